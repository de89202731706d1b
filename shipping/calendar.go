package shipping

import "time"

// calendar knows which days carriers work: Monday to Friday except holidays.
type calendar struct {
	holidays map[int]bool // yyyymmdd
}

func newCalendar(holidays []string) *calendar {
	c := &calendar{holidays: map[int]bool{}}
	for _, h := range holidays {
		if t, err := time.Parse(time.DateOnly, h); err == nil {
			c.holidays[dateKey(t)] = true
		}
	}
	return c
}

func dateKey(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

func (c *calendar) isBusinessDay(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !c.holidays[dateKey(t)]
}

// addBusinessDays returns the date n business days after day (n = 0: day itself).
func (c *calendar) addBusinessDays(day time.Time, n int) time.Time {
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.isBusinessDay(day) {
			n--
		}
	}
	return day
}
