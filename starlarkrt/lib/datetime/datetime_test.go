package datetime

import (
	"testing"

	"github.com/latm/latm/starlarkrt/internal/modtest"
)

var env = modtest.Env(Module)

func TestDatetimeValues(t *testing.T) {
	const p = `datetime.datetime.strptime("2023-07-01 14:05:09", "%Y-%m-%d %H:%M:%S")`
	modtest.Values(t, env, [][2]string{
		{`str(` + p + `)`, `"2023-07-01 14:05:09"`},
		{p + `.weekday()`, `5`},
		{p + `.isoweekday()`, `6`},
		{p + `.isoformat()`, `"2023-07-01T14:05:09"`},
		{`[` + p + `.year, ` + p + `.month, ` + p + `.day, ` + p + `.hour, ` + p + `.minute, ` + p + `.second]`, `[2023, 7, 1, 14, 5, 9]`},
		{`str(datetime.datetime.strptime("Jul 4, 1999 3:07 PM", "%b %d, %Y %I:%M %p"))`, `"1999-07-04 15:07:00"`},
		{`str(datetime.datetime.strptime("Monday, 12 February 24", "%A, %d %B %y"))`, `"2024-02-12 00:00:00"`},
		{`str(datetime.datetime.strptime("2020 060", "%Y %j"))`, `"2020-02-29 00:00:00"`},
		{`str(datetime.datetime.strptime("12.5", "%S.%f"))`, `"1900-01-01 00:00:12.500000"`},
		{`str(datetime.date(2023, 3, 1) - datetime.date(2023, 2, 1))`, `"28 days, 0:00:00"`},
		{`(datetime.date(2024, 3, 1) - datetime.date(2024, 2, 1)).days`, `29`},
		{`str(datetime.date(2023, 1, 31) + datetime.timedelta(days=1))`, `"2023-02-01"`},
		{`str(datetime.date(2023, 1, 1) + datetime.timedelta(hours=30))`, `"2023-01-02"`},
		{`str(datetime.datetime(2023, 1, 1, 23) + datetime.timedelta(hours=2))`, `"2023-01-02 01:00:00"`},
		{`str(datetime.datetime(2023, 1, 2) - datetime.datetime(2023, 1, 1, 12))`, `"12:00:00"`},
		{`str(datetime.timedelta(days=-1, seconds=5))`, `"-1 day, 0:00:05"`},
		{`str(datetime.timedelta(hours=25, minutes=3, seconds=4.5))`, `"1 day, 1:03:04.500000"`},
		{`datetime.timedelta(weeks=1).total_seconds()`, `604800.0`},
		{`datetime.timedelta(minutes=-1).seconds`, `86340`},
		{`datetime.timedelta(minutes=-1).days`, `-1`},
		{`datetime.date(2023, 7, 1).strftime("%A %d %B %Y, %a %b %j %U %W %y %m/%d")`, `"Saturday 01 July 2023, Sat Jul 182 26 26 23 07/01"`},
		{`datetime.datetime(2023, 7, 1, 0, 5).strftime("%I:%M %p %H")`, `"12:05 AM 00"`},
		{`datetime.datetime(2023, 7, 1, 5, 6, 7).strftime("%c|%x|%X|%-d/%-m")`, `"Sat Jul  1 05:06:07 2023|07/01/23|05:06:07|1/7"`},
		{`datetime.date(2023, 7, 1) < datetime.date(2023, 7, 2)`, `True`},
		{`datetime.date(2023, 7, 1) == datetime.date(2023, 7, 1)`, `True`},
		{`str(datetime.datetime(2023, 1, 1).date())`, `"2023-01-01"`},
		{`str(datetime.datetime(2023, 1, 1, 5, 6).time())`, `"05:06:00"`},
		{`str(datetime.date(2024, 2, 28).replace(day=29))`, `"2024-02-29"`},
		{`datetime.date(2023, 7, 1).toordinal()`, `738702`},
		{`str(datetime.date.fromordinal(738702))`, `"2023-07-01"`},
		{`datetime.date(2023, 1, 1).isocalendar()`, `(2022, 52, 7)`},
		{`datetime.timedelta(days=1) / datetime.timedelta(hours=1)`, `24.0`},
		{`datetime.timedelta(days=1) // datetime.timedelta(hours=5)`, `4`},
		{`str(datetime.timedelta(days=1) * 2)`, `"2 days, 0:00:00"`},
		{`str(-datetime.timedelta(hours=1))`, `"-1 day, 23:00:00"`},
		{`str(datetime.datetime.fromisoformat("2023-07-01T12:30:00"))`, `"2023-07-01 12:30:00"`},
		{`str(datetime.date.fromisoformat("2023-07-01"))`, `"2023-07-01"`},
		{`datetime.date(2023, 7, 1).ctime()`, `"Sat Jul  1 00:00:00 2023"`},
		{`len(dict([(datetime.date(2023, 7, 1), 1), (datetime.date(2023, 7, 1), 2)]))`, `1`},
		{`str(datetime.datetime.combine(datetime.date(2023, 7, 1), datetime.time(9, 30)))`, `"2023-07-01 09:30:00"`},
		{`sorted([datetime.date(2023, 7, 2), datetime.date(2023, 7, 1)])[0].day`, `1`},
	})
}

func TestDatetimeErrors(t *testing.T) {
	modtest.Errors(t, env, [][2]string{
		{`datetime.datetime.now()`, "datetime.now() is not available: tools must be deterministic; pass the date in as an argument"},
		{`datetime.date.today()`, "date.today() is not available"},
		{`datetime.date(2023, 2, 29)`, "day is out of range for month"},
		{`datetime.date(2023, 13, 1)`, "month must be in 1..12"},
		{`datetime.datetime(2023, 1, 1, 24)`, "hour must be in 0..23"},
		{`datetime.datetime.strptime("2023/07/01", "%Y-%m-%d")`, `time data "2023/07/01" does not match format "%Y-%m-%d"`},
		{`datetime.datetime.strptime("2023-07-01 extra", "%Y-%m-%d")`, "unconverted data remains:  extra"},
		{`datetime.datetime.strptime("2023", "%Q")`, "directive %Q is not supported"},
		{`datetime.date.fromisoformat("July 1")`, "invalid isoformat string"},
		{`datetime.date(9999, 12, 31) + datetime.timedelta(days=1)`, "out of range"},
		{`datetime.date(2023, 1, 1) < datetime.datetime(2023, 1, 1)`, "can't compare datetime.date to datetime.datetime"},
	})
}

func FuzzStrptime(f *testing.F) {
	f.Add("2023-07-01 14:05:09", "%Y-%m-%d %H:%M:%S")
	f.Add("Jul 4, 1999 3:07 PM", "%b %d, %Y %I:%M %p")
	f.Add("2020 060", "%Y %j")
	f.Fuzz(func(t *testing.T, s, format string) {
		v, err := strptime(s, format)
		if err == nil && (v.t.Year() < 1 || v.t.Year() > 9999) {
			t.Errorf("strptime(%q, %q) = %v: year out of range", s, format, v)
		}
		if err == nil {
			_ = strftime(v, format)
		}
	})
}
