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
