/**
 * The time zones the date and time suite also runs in, with the offset
 * `Date#getTimezoneOffset` gives for 2021-01-01 there (minutes behind UTC):
 * one behind UTC and one ahead of it by a non-whole hour.
 */
export const zoneOffsets: Readonly<Record<string, number>> = {
  "America/Los_Angeles": 480,
  "Asia/Kolkata": -330
}
