package datetime

// strftime and strptime: Python's format directives.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/latm/latm/starlarkrt/internal/callstate"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

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
