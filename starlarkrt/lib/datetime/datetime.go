// Package datetime is the datetime module of latm's Starlark runtime:
// Python's date, datetime and timedelta, without the clock (no now or today).
package datetime

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/latm/latm/starlarkrt/internal/callstate"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// datetimeModule is a deterministic subset of Python's datetime: the types
// datetime, date, time and timedelta, all naive (no time zones).
//
// There is no now() or today(): tools must be deterministic, so the date
// is passed in as an argument; calling them is an error saying so.
// strptime and strftime implement Python's % directives themselves (%a %A
// %b %B %c %d %e %f %H %I %j %m %M %p %S %U %w %W %u %x %X %y %Y %G %V
// %%, and strftime's %-d style unpadded forms); month and day names are
// English. str() of a value is Python's str(); repr is the same.
var Module = newModule()

func newModule() *starlarkstruct.Module {
	notDet := func(name string) *starlark.Builtin {
		return starlark.NewBuiltin(name, func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			return nil, fmt.Errorf("%s() is not available: tools must be deterministic; pass the date in as an argument", name)
		})
	}
	dt := &callstate.BuiltinWithAttrs{
		Builtin: starlark.NewBuiltin("datetime.datetime", dtNewDatetime),
		Attrs: starlark.StringDict{
			"strptime":      starlark.NewBuiltin("datetime.strptime", dtStrptime),
			"fromisoformat": starlark.NewBuiltin("datetime.fromisoformat", dtFromISO(kindDatetime)),
			"combine":       starlark.NewBuiltin("datetime.combine", dtCombine),
			"now":           notDet("datetime.now"),
			"today":         notDet("datetime.today"),
			"utcnow":        notDet("datetime.utcnow"),
			"min":           &dtValue{kind: kindDatetime, t: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
			"max":           &dtValue{kind: kindDatetime, t: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
		},
	}
	date := &callstate.BuiltinWithAttrs{
		Builtin: starlark.NewBuiltin("datetime.date", dtNewDate),
		Attrs: starlark.StringDict{
			"fromisoformat": starlark.NewBuiltin("date.fromisoformat", dtFromISO(kindDate)),
			"fromordinal":   starlark.NewBuiltin("date.fromordinal", dtFromOrdinal),
			"today":         notDet("date.today"),
		},
	}
	return &starlarkstruct.Module{Name: "datetime", Members: starlark.StringDict{
		"datetime":  dt,
		"date":      date,
		"time":      starlark.NewBuiltin("datetime.time", dtNewTime),
		"timedelta": starlark.NewBuiltin("datetime.timedelta", dtNewTimedelta),
		"MINYEAR":   starlark.MakeInt(1),
		"MAXYEAR":   starlark.MakeInt(9999),
	}}
}

type dtKind int

const (
	kindDate dtKind = iota
	kindDatetime
	kindTime
)

// dtValue is a date, datetime or time; t is in UTC (for a time, on 1 Jan 1).
type dtValue struct {
	kind dtKind
	t    time.Time
}

// tdValue is a timedelta, in microseconds.
type tdValue struct{ us int64 }

const (
	usPerSec = int64(1e6)
	usPerDay = 86400 * usPerSec
)

func checkDate(y, m, d int) error {
	if y < 1 || y > 9999 {
		return fmt.Errorf("year %d is out of range (1..9999)", y)
	}
	if m < 1 || m > 12 {
		return fmt.Errorf("month must be in 1..12, got %d", m)
	}
	if last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d < 1 || d > last {
		return fmt.Errorf("day is out of range for month (%04d-%02d has %d days, got %d)", y, m, last, d)
	}
	return nil
}

func checkClock(h, mi, s, us int) error {
	switch {
	case h < 0 || h > 23:
		return fmt.Errorf("hour must be in 0..23, got %d", h)
	case mi < 0 || mi > 59:
		return fmt.Errorf("minute must be in 0..59, got %d", mi)
	case s < 0 || s > 59:
		return fmt.Errorf("second must be in 0..59, got %d", s)
	case us < 0 || us > 999999:
		return fmt.Errorf("microsecond must be in 0..999999, got %d", us)
	}
	return nil
}

func makeDT(kind dtKind, y, m, d, h, mi, s, us int) (*dtValue, error) {
	if err := checkDate(y, m, d); err != nil {
		return nil, err
	}
	if err := checkClock(h, mi, s, us); err != nil {
		return nil, err
	}
	return &dtValue{kind: kind, t: time.Date(y, time.Month(m), d, h, mi, s, us*1000, time.UTC)}, nil
}

func dtNewDatetime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var y, m, d, h, mi, s, us int
	if err := starlark.UnpackArgs("datetime", args, kwargs, "year", &y, "month", &m, "day", &d, "hour?", &h, "minute?", &mi, "second?", &s, "microsecond?", &us); err != nil {
		return nil, err
	}
	v, err := makeDT(kindDatetime, y, m, d, h, mi, s, us)
	if err != nil {
		return nil, fmt.Errorf("datetime: %w", err)
	}
	return v, nil
}

func dtNewDate(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var y, m, d int
	if err := starlark.UnpackArgs("date", args, kwargs, "year", &y, "month", &m, "day", &d); err != nil {
		return nil, err
	}
	v, err := makeDT(kindDate, y, m, d, 0, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("date: %w", err)
	}
	return v, nil
}

func dtNewTime(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var h, mi, s, us int
	if err := starlark.UnpackArgs("time", args, kwargs, "hour?", &h, "minute?", &mi, "second?", &s, "microsecond?", &us); err != nil {
		return nil, err
	}
	v, err := makeDT(kindTime, 1, 1, 1, h, mi, s, us)
	if err != nil {
		return nil, fmt.Errorf("time: %w", err)
	}
	return v, nil
}

func dtCombine(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var d, t *dtValue
	if err := starlark.UnpackPositionalArgs("combine", args, kwargs, 2, &d, &t); err != nil {
		return nil, err
	}
	y, m, dd := d.t.Date()
	return &dtValue{kind: kindDatetime, t: time.Date(y, m, dd, t.t.Hour(), t.t.Minute(), t.t.Second(), t.t.Nanosecond(), time.UTC)}, nil
}

func dtFromOrdinal(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	if err := starlark.UnpackPositionalArgs("fromordinal", args, kwargs, 1, &n); err != nil {
		return nil, err
	}
	if n < 1 || n > 3652059 {
		return nil, fmt.Errorf("fromordinal: ordinal %d is out of range (1..3652059)", n)
	}
	return &dtValue{kind: kindDate, t: time.Date(1, 1, n, 0, 0, 0, 0, time.UTC)}, nil
}

// dtFromISO parses YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]].
func dtFromISO(kind dtKind) callstate.Builtin {
	return func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var s string
		if err := starlark.UnpackPositionalArgs("fromisoformat", args, kwargs, 1, &s); err != nil {
			return nil, err
		}
		bad := fmt.Errorf("fromisoformat: invalid isoformat string %q (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)", s)
		var y, m, d, h, mi, sec, us int
		if len(s) < 10 || s[4] != '-' || s[7] != '-' {
			return nil, bad
		}
		var err error
		atoi := func(x string) int {
			n, e := strconv.Atoi(x)
			if e != nil && err == nil {
				err = bad
			}
			return n
		}
		y, m, d = atoi(s[:4]), atoi(s[5:7]), atoi(s[8:10])
		rest := s[10:]
		if rest != "" {
			if kind == kindDate || (rest[0] != 'T' && rest[0] != ' ') || len(rest) < 6 || rest[3] != ':' {
				return nil, bad
			}
			h, mi = atoi(rest[1:3]), atoi(rest[4:6])
			rest = rest[6:]
			if rest != "" {
				if len(rest) < 3 || rest[0] != ':' {
					return nil, bad
				}
				sec = atoi(rest[1:3])
				rest = rest[3:]
				if rest != "" {
					if rest[0] != '.' || len(rest) < 2 || len(rest) > 7 {
						return nil, bad
					}
					us = atoi((rest[1:] + "00000")[:6])
				}
			}
		}
		if err != nil {
			return nil, err
		}
		v, err := makeDT(kind, y, m, d, h, mi, sec, us)
		if err != nil {
			return nil, fmt.Errorf("fromisoformat: %w", err)
		}
		return v, nil
	}
}

// dtNewTimedelta is timedelta(days, seconds, microseconds, milliseconds,
// minutes, hours, weeks), each int or float.
func dtNewTimedelta(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	names := []string{"days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"}
	units := []float64{float64(usPerDay), float64(usPerSec), 1, 1000, 60 * float64(usPerSec), 3600 * float64(usPerSec), 7 * float64(usPerDay)}
	vals := make([]starlark.Value, len(names))
	pairs := make([]any, 0, 2*len(names))
	for i, n := range names {
		pairs = append(pairs, n+"?", &vals[i])
	}
	if err := starlark.UnpackArgs("timedelta", args, kwargs, pairs...); err != nil {
		return nil, err
	}
	var intSum int64
	fsum := 0.0
	for i, v := range vals {
		if v == nil {
			continue
		}
		switch v := v.(type) {
		case starlark.Int:
			n, ok := v.Int64()
			if !ok || math.Abs(float64(n)*units[i]) > 1e18 {
				return nil, fmt.Errorf("timedelta: %s=%v is out of range", names[i], v)
			}
			intSum += n * int64(units[i])
		case starlark.Float:
			fsum += float64(v) * units[i]
		default:
			return nil, fmt.Errorf("timedelta: %s must be an int or float, got %s", names[i], v.Type())
		}
	}
	if math.Abs(fsum) > 1e18 || math.IsNaN(fsum) {
		return nil, errors.New("timedelta: value out of range")
	}
	return &tdValue{us: intSum + int64(math.RoundToEven(fsum))}, nil
}

var weekdayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// pyWeekday is Monday=0 .. Sunday=6.
func pyWeekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

func toUS(t time.Time) int64 { return t.Unix()*usPerSec + int64(t.Nanosecond()/1000) }

func fromUS(kind dtKind, us int64) (*dtValue, error) {
	sec, rem := us/usPerSec, us%usPerSec
	if rem < 0 {
		sec, rem = sec-1, rem+usPerSec
	}
	t := time.Unix(sec, rem*1000).UTC()
	if t.Year() < 1 || t.Year() > 9999 {
		return nil, fmt.Errorf("date value out of range (year %d)", t.Year())
	}
	if kind == kindDate {
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return &dtValue{kind: kind, t: t}, nil
}

var (
	_ starlark.HasAttrs   = (*dtValue)(nil)
	_ starlark.HasBinary  = (*dtValue)(nil)
	_ starlark.Comparable = (*dtValue)(nil)
	_ starlark.HasAttrs   = (*tdValue)(nil)
	_ starlark.HasBinary  = (*tdValue)(nil)
	_ starlark.HasUnary   = (*tdValue)(nil)
	_ starlark.Comparable = (*tdValue)(nil)
)

// String is Python's str(): 2023-07-01, 2023-07-01 12:30:00, 12:30:00.
func (v *dtValue) String() string {
	switch v.kind {
	case kindDate:
		return v.isoformat("T")
	case kindTime:
		return v.clock()
	}
	return v.isoformat(" ")
}

func (v *dtValue) clock() string {
	s := fmt.Sprintf("%02d:%02d:%02d", v.t.Hour(), v.t.Minute(), v.t.Second())
	if us := v.t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}

func (v *dtValue) isoformat(sep string) string {
	switch v.kind {
	case kindTime:
		return v.clock()
	case kindDate:
		return fmt.Sprintf("%04d-%02d-%02d", v.t.Year(), v.t.Month(), v.t.Day())
	}
	return fmt.Sprintf("%04d-%02d-%02d", v.t.Year(), v.t.Month(), v.t.Day()) + sep + v.clock()
}

func (v *dtValue) Type() string {
	return [...]string{"datetime.date", "datetime.datetime", "datetime.time"}[v.kind]
}
func (v *dtValue) Freeze()              {}
func (v *dtValue) Truth() starlark.Bool { return true }
func (v *dtValue) Hash() (uint32, error) {
	us := toUS(v.t)
	return uint32(us) ^ uint32(us>>32) ^ uint32(v.kind), nil
}

// CompareSameType orders two values of the same kind.
func (v *dtValue) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	w := y.(*dtValue)
	if v.kind != w.kind {
		switch op {
		case syntax.EQL:
			return false, nil
		case syntax.NEQ:
			return true, nil
		}
		return false, fmt.Errorf("can't compare %s to %s (convert with .date() first)", v.Type(), w.Type())
	}
	return compareInts(op, toUS(v.t), toUS(w.t)), nil
}

func compareInts(op syntax.Token, a, b int64) bool {
	switch op {
	case syntax.EQL:
		return a == b
	case syntax.NEQ:
		return a != b
	case syntax.LT:
		return a < b
	case syntax.LE:
		return a <= b
	case syntax.GT:
		return a > b
	}
	return a >= b
}

// Binary implements date ± timedelta, timedelta + date and date - date.
func (v *dtValue) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if v.kind == kindTime {
		return nil, nil
	}
	switch y := y.(type) {
	case *tdValue:
		switch {
		case op == syntax.PLUS:
			return fromUS(v.kind, toUS(v.t)+dayPart(v.kind, y.us))
		case op == syntax.MINUS && side == starlark.Left:
			return fromUS(v.kind, toUS(v.t)-dayPart(v.kind, y.us))
		}
	case *dtValue:
		if op == syntax.MINUS && y.kind == v.kind {
			d := toUS(v.t) - toUS(y.t)
			if side == starlark.Right {
				d = -d
			}
			return &tdValue{us: d}, nil
		}
	}
	return nil, nil
}

// dayPart drops the part of a timedelta smaller than a day for dates, as
// Python's date + timedelta does.
func dayPart(kind dtKind, us int64) int64 {
	if kind != kindDate {
		return us
	}
	return floorDiv(us, usPerDay) * usPerDay
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

var dtAttrNames = map[dtKind][]string{
	kindDate:     {"ctime", "day", "isocalendar", "isoformat", "isoweekday", "month", "replace", "strftime", "toordinal", "weekday", "year"},
	kindDatetime: {"ctime", "date", "day", "hour", "isocalendar", "isoformat", "isoweekday", "microsecond", "minute", "month", "replace", "second", "strftime", "time", "timestamp", "toordinal", "weekday", "year"},
	kindTime:     {"hour", "isoformat", "microsecond", "minute", "replace", "second", "strftime"},
}

// AttrNames lists the value's attributes.
func (v *dtValue) AttrNames() []string { return dtAttrNames[v.kind] }

// Attr returns the value's fields and methods.
func (v *dtValue) Attr(name string) (starlark.Value, error) {
	found := false
	for _, n := range dtAttrNames[v.kind] {
		found = found || n == name
	}
	if !found {
		return nil, nil
	}
	t := v.t
	switch name {
	case "year":
		return starlark.MakeInt(t.Year()), nil
	case "month":
		return starlark.MakeInt(int(t.Month())), nil
	case "day":
		return starlark.MakeInt(t.Day()), nil
	case "hour":
		return starlark.MakeInt(t.Hour()), nil
	case "minute":
		return starlark.MakeInt(t.Minute()), nil
	case "second":
		return starlark.MakeInt(t.Second()), nil
	case "microsecond":
		return starlark.MakeInt(t.Nanosecond() / 1000), nil
	}
	method := func(fn func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) (starlark.Value, error) {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(args, kwargs)
		}), nil
	}
	noArgs := func(f func() starlark.Value) (starlark.Value, error) {
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs(name, args, kwargs, 0); err != nil {
				return nil, err
			}
			return f(), nil
		})
	}
	switch name {
	case "weekday":
		return noArgs(func() starlark.Value { return starlark.MakeInt(pyWeekday(t)) })
	case "isoweekday":
		return noArgs(func() starlark.Value { return starlark.MakeInt(pyWeekday(t) + 1) })
	case "toordinal":
		return noArgs(func() starlark.Value {
			return starlark.MakeInt64(floorDiv(toUS(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))-toUS(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), usPerDay) + 1)
		})
	case "isocalendar":
		return noArgs(func() starlark.Value {
			y, w := t.ISOWeek()
			return starlark.Tuple{starlark.MakeInt(y), starlark.MakeInt(w), starlark.MakeInt(pyWeekday(t) + 1)}
		})
	case "timestamp":
		// Naive datetimes are taken as UTC (Python uses the local zone).
		return noArgs(func() starlark.Value { return starlark.Float(float64(toUS(t)) / 1e6) })
	case "date":
		return noArgs(func() starlark.Value {
			return &dtValue{kind: kindDate, t: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
		})
	case "time":
		return noArgs(func() starlark.Value {
			return &dtValue{kind: kindTime, t: time.Date(1, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)}
		})
	case "ctime":
		return noArgs(func() starlark.Value { return starlark.String(strftime(v, "%c")) })
	case "isoformat":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			sep := "T"
			if err := starlark.UnpackArgs(name, args, kwargs, "sep?", &sep); err != nil {
				return nil, err
			}
			return starlark.String(v.isoformat(sep)), nil
		})
	case "strftime":
		return starlark.NewBuiltin(name, func(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var f string
			if err := starlark.UnpackPositionalArgs(name, args, kwargs, 1, &f); err != nil {
				return nil, err
			}
			// A directive of two bytes writes at most 24 (%c): charge the
			// largest result before building it.
			if err := callstate.ChargeAlloc(thread, callstate.Mul(int64(len(f)), 12)); err != nil {
				return nil, err
			}
			if err := callstate.ChargeSteps(thread, uint64(strings.Count(f, "%"))); err != nil {
				return nil, err
			}
			return starlark.String(strftime(v, f)), nil
		}), nil
	case "replace":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			y, m, d, h, mi, s, us := t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1000
			var err error
			switch v.kind {
			case kindDate:
				err = starlark.UnpackArgs(name, args, kwargs, "year?", &y, "month?", &m, "day?", &d)
			case kindDatetime:
				err = starlark.UnpackArgs(name, args, kwargs, "year?", &y, "month?", &m, "day?", &d, "hour?", &h, "minute?", &mi, "second?", &s, "microsecond?", &us)
			default:
				err = starlark.UnpackArgs(name, args, kwargs, "hour?", &h, "minute?", &mi, "second?", &s, "microsecond?", &us)
			}
			if err != nil {
				return nil, err
			}
			nv, err := makeDT(v.kind, y, m, d, h, mi, s, us)
			if err != nil {
				return nil, fmt.Errorf("replace: %w", err)
			}
			return nv, nil
		})
	}
	return nil, nil
}

// strftime formats v with Python's % directives.
func strftime(v *dtValue, f string) string {
	t := v.t
	var b strings.Builder
	yday := t.YearDay()
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		pad := true
		if f[i] == '-' && i+1 < len(f) {
			pad = false
			i++
		}
		num := func(n, width int) {
			if pad {
				fmt.Fprintf(&b, "%0*d", width, n)
			} else {
				b.WriteString(strconv.Itoa(n))
			}
		}
		hour12 := t.Hour() % 12
		if hour12 == 0 {
			hour12 = 12
		}
		switch f[i] {
		case 'Y':
			b.WriteString(strconv.Itoa(t.Year()))
		case 'y':
			num(t.Year()%100, 2)
		case 'm':
			num(int(t.Month()), 2)
		case 'd':
			num(t.Day(), 2)
		case 'e':
			fmt.Fprintf(&b, "%2d", t.Day())
		case 'H':
			num(t.Hour(), 2)
		case 'I':
			num(hour12, 2)
		case 'M':
			num(t.Minute(), 2)
		case 'S':
			num(t.Second(), 2)
		case 'f':
			fmt.Fprintf(&b, "%06d", t.Nanosecond()/1000)
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'j':
			num(yday, 3)
		case 'a':
			b.WriteString(weekdayNames[pyWeekday(t)][:3])
		case 'A':
			b.WriteString(weekdayNames[pyWeekday(t)])
		case 'b', 'h':
			b.WriteString(monthNames[t.Month()-1][:3])
		case 'B':
			b.WriteString(monthNames[t.Month()-1])
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'u':
			b.WriteString(strconv.Itoa(pyWeekday(t) + 1))
		case 'U':
			num((yday+6-int(t.Weekday()))/7, 2)
		case 'W':
			num((yday+6-pyWeekday(t))/7, 2)
		case 'G':
			y, _ := t.ISOWeek()
			b.WriteString(strconv.Itoa(y))
		case 'V':
			_, w := t.ISOWeek()
			num(w, 2)
		case 'c':
			fmt.Fprintf(&b, "%s %s %2d %02d:%02d:%02d %d", weekdayNames[pyWeekday(t)][:3], monthNames[t.Month()-1][:3], t.Day(), t.Hour(), t.Minute(), t.Second(), t.Year())
		case 'x':
			fmt.Fprintf(&b, "%02d/%02d/%02d", t.Month(), t.Day(), t.Year()%100)
		case 'X':
			fmt.Fprintf(&b, "%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
		case 'D':
			fmt.Fprintf(&b, "%02d/%02d/%02d", t.Month(), t.Day(), t.Year()%100)
		case 'F':
			fmt.Fprintf(&b, "%04d-%02d-%02d", t.Year(), t.Month(), t.Day())
		case 'T':
			fmt.Fprintf(&b, "%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second())
		case 'z', 'Z':
			// Naive values have no zone: empty, as in Python.
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// dtStrptime is datetime.strptime(string, format).
func dtStrptime(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s, f string
	if err := starlark.UnpackPositionalArgs("strptime", args, kwargs, 2, &s, &f); err != nil {
		return nil, err
	}
	if err := callstate.ChargeBytes(thread, len(s)+len(f)); err != nil {
		return nil, err
	}
	v, err := strptime(s, f)
	if err != nil {
		return nil, fmt.Errorf("strptime: %w", err)
	}
	return v, nil
}

func strptime(s, f string) (*dtValue, error) {
	mismatch := fmt.Errorf("time data %q does not match format %q", s, f)
	y, m, d, h, mi, sec, us, yday := 1900, 1, 1, 0, 0, 0, 0, -1
	pm := -1
	hour12 := false
	i := 0 // position in s
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
	}
	digits := func(max int) (int, bool) {
		j := i
		for j < len(s) && j-i < max && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	name := func(names []string) (int, bool) {
		// Full names first, then three-letter abbreviations.
		for _, full := range []bool{true, false} {
			for k, n := range names {
				if !full {
					n = n[:3]
				}
				if len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) {
					i += len(n)
					return k, true
				}
			}
		}
		return 0, false
	}
	for k := 0; k < len(f); k++ {
		c := f[k]
		if c == ' ' || c == '\t' || c == '\n' {
			if i >= len(s) || (s[i] != ' ' && s[i] != '\t' && s[i] != '\n') {
				return nil, mismatch
			}
			skipSpace()
			continue
		}
		if c != '%' {
			if i >= len(s) || !strings.EqualFold(s[i:i+1], f[k:k+1]) {
				return nil, mismatch
			}
			i++
			continue
		}
		if k+1 >= len(f) {
			return nil, fmt.Errorf("format %q ends with a lone %%", f)
		}
		k++
		var ok bool
		switch f[k] {
		case 'Y':
			y, ok = digits(4)
		case 'y':
			y, ok = digits(2)
			if y < 69 {
				y += 2000
			} else {
				y += 1900
			}
		case 'm':
			m, ok = digits(2)
		case 'd':
			d, ok = digits(2)
		case 'H':
			h, ok = digits(2)
		case 'I':
			h, ok = digits(2)
			hour12 = true
		case 'M':
			mi, ok = digits(2)
		case 'S':
			sec, ok = digits(2)
		case 'j':
			yday, ok = digits(3)
		case 'f':
			start := i
			us, ok = digits(6)
			for n := i - start; n < 6 && ok; n++ {
				us *= 10
			}
		case 'p':
			ok = len(s)-i >= 2
			if ok {
				switch strings.ToUpper(s[i : i+2]) {
				case "AM":
					pm = 0
				case "PM":
					pm = 1
				default:
					ok = false
				}
				i += 2
			}
		case 'b', 'B', 'h':
			var k int
			k, ok = name(monthNames)
			m = k + 1
		case 'a', 'A':
			_, ok = name(weekdayNames)
		case '%':
			ok = i < len(s) && s[i] == '%'
			i++
		default:
			return nil, fmt.Errorf("format %q: directive %%%c is not supported by strptime here", f, f[k])
		}
		if !ok {
			return nil, mismatch
		}
	}
	if i < len(s) {
		return nil, fmt.Errorf("unconverted data remains: %s", s[i:])
	}
	if hour12 {
		if h < 1 || h > 12 {
			return nil, fmt.Errorf("time data %q: %%I hour must be in 1..12, got %d", s, h)
		}
		h %= 12
		if pm == 1 {
			h += 12
		}
	}
	if yday >= 0 {
		if yday < 1 || yday > 366 {
			return nil, fmt.Errorf("time data %q: %%j day of year must be in 1..366, got %d", s, yday)
		}
		t := time.Date(y, 1, yday, 0, 0, 0, 0, time.UTC)
		m, d = int(t.Month()), t.Day()
	}
	return makeDT(kindDatetime, y, m, d, h, mi, sec, us)
}

// String is Python's str(timedelta): "1 day, 2:03:04.000005".
func (v *tdValue) String() string {
	days := floorDiv(v.us, usPerDay)
	rem := v.us - days*usPerDay
	s := ""
	if days != 0 {
		s = fmt.Sprintf("%d day", days)
		if days != 1 && days != -1 {
			s += "s"
		}
		s += ", "
	}
	secs := rem / usPerSec
	s += fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if us := rem % usPerSec; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}
func (v *tdValue) Type() string          { return "datetime.timedelta" }
func (v *tdValue) Freeze()               {}
func (v *tdValue) Truth() starlark.Bool  { return v.us != 0 }
func (v *tdValue) Hash() (uint32, error) { return uint32(v.us) ^ uint32(v.us>>32), nil }

// CompareSameType orders two timedeltas.
func (v *tdValue) CompareSameType(op syntax.Token, y starlark.Value, depth int) (bool, error) {
	return compareInts(op, v.us, y.(*tdValue).us), nil
}

// Unary implements -td and +td.
func (v *tdValue) Unary(op syntax.Token) (starlark.Value, error) {
	switch op {
	case syntax.MINUS:
		return &tdValue{us: -v.us}, nil
	case syntax.PLUS:
		return v, nil
	}
	return nil, nil
}

// Binary implements td ± td, td * number, td / td, td / number, td // td,
// td // int and td % td. date + td is handled by the date.
func (v *tdValue) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	switch y := y.(type) {
	case *tdValue:
		a, b := v.us, y.us
		if side == starlark.Right {
			a, b = b, a
		}
		switch op {
		case syntax.PLUS:
			return &tdValue{us: a + b}, nil
		case syntax.MINUS:
			return &tdValue{us: a - b}, nil
		case syntax.SLASH:
			if b == 0 {
				return nil, errors.New("timedelta division by zero")
			}
			return starlark.Float(float64(a) / float64(b)), nil
		case syntax.SLASHSLASH:
			if b == 0 {
				return nil, errors.New("timedelta division by zero")
			}
			return starlark.MakeInt64(floorDiv(a, b)), nil
		case syntax.PERCENT:
			if b == 0 {
				return nil, errors.New("timedelta modulo by zero")
			}
			return &tdValue{us: a - floorDiv(a, b)*b}, nil
		}
	case starlark.Int, starlark.Float:
		f, _ := starlark.AsFloat(y)
		switch {
		case op == syntax.STAR:
			return &tdValue{us: int64(math.RoundToEven(float64(v.us) * f))}, nil
		case (op == syntax.SLASH || op == syntax.SLASHSLASH) && side == starlark.Left:
			if f == 0 {
				return nil, errors.New("timedelta division by zero")
			}
			if op == syntax.SLASHSLASH {
				if n, ok := y.(starlark.Int); ok {
					k, _ := n.Int64()
					return &tdValue{us: floorDiv(v.us, k)}, nil
				}
				return nil, errors.New("timedelta // float is not supported; use / and round")
			}
			return &tdValue{us: int64(math.RoundToEven(float64(v.us) / f))}, nil
		}
	}
	return nil, nil
}

// AttrNames lists the timedelta's attributes.
func (v *tdValue) AttrNames() []string {
	return []string{"days", "microseconds", "seconds", "total_seconds"}
}

// Attr returns days, seconds, microseconds (normalized as in Python) and
// total_seconds().
func (v *tdValue) Attr(name string) (starlark.Value, error) {
	days := floorDiv(v.us, usPerDay)
	rem := v.us - days*usPerDay
	switch name {
	case "days":
		return starlark.MakeInt64(days), nil
	case "seconds":
		return starlark.MakeInt64(rem / usPerSec), nil
	case "microseconds":
		return starlark.MakeInt64(rem % usPerSec), nil
	case "total_seconds":
		return starlark.NewBuiltin("total_seconds", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if err := starlark.UnpackPositionalArgs("total_seconds", args, kwargs, 0); err != nil {
				return nil, err
			}
			return starlark.Float(float64(v.us) / 1e6), nil
		}), nil
	}
	return nil, nil
}
