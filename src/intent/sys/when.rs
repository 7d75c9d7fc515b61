//! `@sys.date`, `@sys.time` and `@sys.date-time`.
//!
//! ES sends ISO text, and a full timestamp in the agent's time zone even for a date
//! (`2026-12-04T12:00:00+09:00`) or a time (today's date with the time). CX sends objects:
//! `{year, month, day}`, `{hours, minutes, seconds, nanos}`, or both together for a date-time.
//! A date-time may also be a period: `{startDateTime, endDateTime}` (and `startDate`/`endDate`,
//! `startTime`/`endTime`), or a moment wrapped as `{date_time: ...}`.
//!
//! Each keeps the JSON it was read from and writes exactly that back, so that a value carried in
//! a context or a session parameter reaches the agent's own prompts and conditions unchanged.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use time::format_description::well_known::Iso8601;
use time::{Month, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::{field, whole, Entity};

/// A calendar day. Shown as `2026-12-04`.
#[derive(Debug, Clone, PartialEq)]
pub struct Date {
    date: time::Date,
    raw: Value,
}

/// A time of day, as on the user's clock. Shown as `19:30`.
#[derive(Debug, Clone, PartialEq)]
pub struct Time {
    time: time::Time,
    raw: Value,
}

/// A moment, or a period ("this weekend", "from 3 to 5 pm") with its start and end.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTime {
    start: PrimitiveDateTime,
    end: Option<PrimitiveDateTime>,
    offset: Option<UtcOffset>,
    raw: Value,
}

impl Date {
    pub fn date(&self) -> time::Date {
        self.date
    }
}

impl Time {
    pub fn time(&self) -> time::Time {
        self.time
    }
}

impl DateTime {
    /// The moment, or the start of the period.
    pub fn start(&self) -> PrimitiveDateTime {
        self.start
    }

    /// The end of a period; `None` for a moment.
    pub fn end(&self) -> Option<PrimitiveDateTime> {
        self.end
    }

    /// The UTC offset ES gave with the text (the agent's time zone); CX objects carry none.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.offset
    }
}

impl Entity for Date {
    const WHAT: &'static str = "a date (@sys.date ISO text or {year, month, day})";
    fn read(v: &Value) -> Option<Self> {
        let date = match v {
            Value::String(s) => time::Date::parse(s.trim(), &Iso8601::PARSING).ok()?,
            Value::Object(cx) => calendar_day(cx)?,
            _ => return None,
        };
        Some(Date {
            date,
            raw: v.clone(),
        })
    }
}

impl Entity for Time {
    const WHAT: &'static str = "a time (@sys.time ISO text or {hours, minutes})";
    fn read(v: &Value) -> Option<Self> {
        let time = match v {
            Value::String(s) => time::Time::parse(s.trim(), &Iso8601::PARSING).ok()?,
            Value::Object(cx) => clock(cx)?,
            _ => return None,
        };
        Some(Time {
            time,
            raw: v.clone(),
        })
    }
}

impl Entity for DateTime {
    const WHAT: &'static str =
        "a date-time (@sys.date-time ISO text, {year, ..., hours, ...} or {startDateTime, endDateTime})";
    fn read(v: &Value) -> Option<Self> {
        let wrapped = v.as_object().and_then(|o| field(o, "date_time"));
        let period = v.as_object().and_then(|o| {
            ["DateTime", "Date", "Time"].iter().find_map(|part| {
                Some((
                    field(o, &format!("start{part}"))?,
                    field(o, &format!("end{part}"))?,
                ))
            })
        });
        let ((start, offset), end) = match (wrapped, period) {
            (Some(moment), _) => (moment_of(moment)?, None),
            (None, Some((start, end))) => (moment_of(start)?, Some(moment_of(end)?.0)),
            (None, None) => (moment_of(v)?, None),
        };
        Some(DateTime {
            start,
            end,
            offset,
            raw: v.clone(),
        })
    }
}

deserialize_as_entity!(Date, Time, DateTime);

/// One moment: ISO text with or without an offset (a bare date is its midnight), or a CX object
/// with a date and perhaps a time of day.
fn moment_of(v: &Value) -> Option<(PrimitiveDateTime, Option<UtcOffset>)> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::PARSING) {
                return Some((PrimitiveDateTime::new(t.date(), t.time()), Some(t.offset())));
            }
            if let Ok(t) = PrimitiveDateTime::parse(s, &Iso8601::PARSING) {
                return Some((t, None));
            }
            let day = time::Date::parse(s, &Iso8601::PARSING).ok()?;
            Some((day.midnight(), None))
        }
        Value::Object(cx) => {
            let time = match field(cx, "hours") {
                Some(_) => clock(cx)?,
                None => time::Time::MIDNIGHT,
            };
            Some((PrimitiveDateTime::new(calendar_day(cx)?, time), None))
        }
        _ => None,
    }
}

/// CX `{year, month, day}` (numbers, perhaps floats or text).
fn calendar_day(cx: &Map<String, Value>) -> Option<time::Date> {
    let part = |key| whole(field(cx, key)?);
    let month = Month::try_from(u8::try_from(part("month")?).ok()?).ok()?;
    let day = u8::try_from(part("day")?).ok()?;
    time::Date::from_calendar_date(i32::try_from(part("year")?).ok()?, month, day).ok()
}

/// CX `{hours, minutes, seconds, nanos}`; only `hours` is required.
fn clock(cx: &Map<String, Value>) -> Option<time::Time> {
    let part = |key| match field(cx, key) {
        None => Some(0),
        Some(v) => whole(v),
    };
    time::Time::from_hms_nano(
        u8::try_from(whole(field(cx, "hours")?)?).ok()?,
        u8::try_from(part("minutes")?).ok()?,
        u8::try_from(part("seconds")?).ok()?,
        u32::try_from(part("nanos")?).ok()?,
    )
    .ok()
}

macro_rules! write_back_as_read {
    ($($ty:ty),+) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.raw.serialize(s)
            }
        }
    )+};
}
write_back_as_read!(Date, Time, DateTime);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day()
        )
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.time.hour(), self.time.minute())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};

    fn date(y: i32, m: u8, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap()
    }

    fn time(h: u8, m: u8) -> time::Time {
        time::Time::from_hms(h, m, 0).unwrap()
    }

    fn at(y: i32, mo: u8, d: u8, h: u8, mi: u8) -> PrimitiveDateTime {
        PrimitiveDateTime::new(date(y, mo, d), time(h, mi))
    }

    fn day(v: Value) -> Option<time::Date> {
        from_value::<Date>(v).ok().map(|d| d.date())
    }

    fn clock_of(v: Value) -> Option<time::Time> {
        from_value::<Time>(v).ok().map(|t| t.time())
    }

    fn span(v: Value) -> Option<(PrimitiveDateTime, Option<PrimitiveDateTime>)> {
        from_value::<DateTime>(v).ok().map(|d| (d.start(), d.end()))
    }

    #[test]
    fn a_date_from_an_es_timestamp_or_iso_text() {
        assert_eq!(
            day(json!("2026-12-04T12:00:00+09:00")),
            Some(date(2026, 12, 4))
        );
        assert_eq!(day(json!("2026-12-04")), Some(date(2026, 12, 4)));
        assert_eq!(day(json!("2026-12-04T00:00:00Z")), Some(date(2026, 12, 4)));
        assert_eq!(day(json!("today")), None);
        assert_eq!(day(json!("2026-02-30")), None);
    }

    #[test]
    fn a_date_from_a_cx_object_with_float_or_text_parts() {
        assert_eq!(
            day(json!({"year": 2026.0, "month": 12.0, "day": 4.0})),
            Some(date(2026, 12, 4))
        );
        assert_eq!(
            day(json!({"year": "2026", "month": 12, "day": 4})),
            Some(date(2026, 12, 4))
        );
        assert_eq!(day(json!({"year": 2026, "month": 13, "day": 4})), None);
        assert_eq!(day(json!({"month": 12, "day": 4})), None);
    }

    #[test]
    fn a_date_from_a_list() {
        assert_eq!(
            day(json!(["", "2026-12-04T12:00:00+09:00", "2026-12-05"])),
            Some(date(2026, 12, 4))
        );
    }

    #[test]
    fn a_time_from_an_es_timestamp_or_clock_text() {
        assert_eq!(
            clock_of(json!("2026-11-24T19:30:00+09:00")),
            Some(time(19, 30))
        );
        assert_eq!(clock_of(json!("19:30:00")), Some(time(19, 30)));
        assert_eq!(clock_of(json!("19:30")), Some(time(19, 30)));
        assert_eq!(clock_of(json!("7pm")), None);
    }

    #[test]
    fn a_time_from_a_cx_object() {
        assert_eq!(
            clock_of(json!({"hours": 19.0, "minutes": 30.0, "seconds": 0.0, "nanos": 0.0})),
            Some(time(19, 30))
        );
        assert_eq!(clock_of(json!({"hours": 7})), Some(time(7, 0)));
        assert_eq!(clock_of(json!({"hours": 25, "minutes": 0})), None);
        assert_eq!(clock_of(json!({"minutes": 30})), None);
    }

    #[test]
    fn a_moment_from_es_text_keeps_its_offset() {
        let d: DateTime = from_value(json!("2026-12-04T19:00:00+09:00")).unwrap();
        assert_eq!((d.start(), d.end()), (at(2026, 12, 4, 19, 0), None));
        assert_eq!(d.offset(), Some(UtcOffset::from_hms(9, 0, 0).unwrap()));
        assert_eq!(
            span(json!("2026-12-04T19:00:00")),
            Some((at(2026, 12, 4, 19, 0), None))
        );
    }

    #[test]
    fn a_moment_wrapped_as_date_time() {
        assert_eq!(
            span(json!({"date_time": "2026-12-04T19:00:00+09:00"})),
            Some((at(2026, 12, 4, 19, 0), None))
        );
        assert_eq!(
            span(json!({"dateTime": "2026-12-04T19:00:00+09:00"})),
            Some((at(2026, 12, 4, 19, 0), None))
        );
    }

    #[test]
    fn a_period_from_es_start_and_end() {
        let weekend = json!({
            "startDateTime": "2026-12-05T00:00:00+09:00", "endDateTime": "2026-12-06T23:59:59+09:00"
        });
        assert_eq!(
            span(weekend),
            Some((
                at(2026, 12, 5, 0, 0),
                Some(PrimitiveDateTime::new(
                    date(2026, 12, 6),
                    time::Time::from_hms(23, 59, 59).unwrap()
                ))
            ))
        );
        let dates = json!({"startDate": "2026-12-05", "endDate": "2026-12-06"});
        assert_eq!(
            span(dates),
            Some((at(2026, 12, 5, 0, 0), Some(at(2026, 12, 6, 0, 0))))
        );
        let times = json!({"start_time": "2026-12-04T15:00:00+09:00", "end_time": "2026-12-04T17:00:00+09:00"});
        assert_eq!(
            span(times),
            Some((at(2026, 12, 4, 15, 0), Some(at(2026, 12, 4, 17, 0))))
        );
    }

    #[test]
    fn a_moment_and_a_period_from_cx_objects() {
        assert_eq!(
            span(json!({"year": 2026.0, "month": 12.0, "day": 4.0, "hours": 19.0, "minutes": 0.0})),
            Some((at(2026, 12, 4, 19, 0), None))
        );
        assert_eq!(
            span(json!({"year": 2026, "month": 12, "day": 4})),
            Some((at(2026, 12, 4, 0, 0), None))
        );
        let period = json!({
            "startDateTime": {"year": 2026, "month": 12, "day": 5, "hours": 0},
            "endDateTime": {"year": 2026, "month": 12, "day": 6, "hours": 23, "minutes": 59}
        });
        assert_eq!(
            span(period),
            Some((at(2026, 12, 5, 0, 0), Some(at(2026, 12, 6, 23, 59))))
        );
        assert_eq!(span(json!({"startDateTime": "2026-12-05"})), None);
    }

    #[test]
    fn written_back_exactly_as_read() {
        for v in [
            json!("2026-11-25T12:00:00+09:00"),
            json!({"year": 2026, "month": 11, "day": 25}),
        ] {
            let d: Date = from_value(v.clone()).unwrap();
            assert_eq!(to_value(&d).unwrap(), v);
        }
        let t: Time = from_value(json!("2026-11-24T19:30:00+09:00")).unwrap();
        assert_eq!(to_value(&t).unwrap(), json!("2026-11-24T19:30:00+09:00"));
        let p = json!({"startDate": "2026-12-05", "endDate": "2026-12-06"});
        assert_eq!(
            to_value(from_value::<DateTime>(p.clone()).unwrap()).unwrap(),
            p
        );
    }

    #[test]
    fn shown_as_iso_day_and_clock() {
        let d: Date = from_value(json!("2026-11-25T12:00:00+09:00")).unwrap();
        let t: Time = from_value(json!("2026-11-24T19:30:05+09:00")).unwrap();
        assert_eq!(
            (d.to_string(), t.to_string()),
            ("2026-11-25".into(), "19:30".into())
        );
    }
}
