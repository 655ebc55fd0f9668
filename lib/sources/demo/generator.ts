// The demo sources' readings: deterministic synthetic measurements. Every value, time and id is a
// pure function of (the user's humanId, source, type, time) through a seeded hash, so the same user
// gets the same readings on every machine and every re-sync (ingest upserts stay idempotent), and
// two users differ. A reading belongs to the sync whose window holds the moment it became
// available (a day's steps once the day is over, a night's sleep on waking), so windows that
// overlap or follow one another never disagree.
import type { ReadingInput } from '../../readings/ingest';
import type { ReadingType } from '../../readings/types';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What a first sync delivers: this many days of history. */
export const HISTORY_DAYS = 90;

/** The demo sources this module generates readings for. */
export const DEMO_SOURCE_IDS = ['demo-tracker', 'demo-scale', 'demo-cuff', 'demo-glucose'] as const;

/** UTC offsets (minutes) demo users live at; the seed picks from the same list. */
const OFFSETS = [-480, -420, -300, -240, 0, 60, 120, 330, 540];

/** cyrb53: a fast, well-mixed 53-bit string hash, here scaled to [0, 1). */
function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)) / 9007199254740992;
}

/** The user's (fixed) UTC offset in minutes, so that their local days come out right. */
export function demoTimeZoneOffset(humanId: string): number {
  return OFFSETS[Math.floor(hash(`${humanId}:tz`) * OFFSETS.length)]!;
}

/** A demo reading and the moment it became available to a sync. */
type Pending = { reading: ReadingInput & { ts: Date; value: number }; availableAt: number };

/** One person's constant traits, drawn from their humanId. */
function profile(humanId: string) {
  const trait = (name: string) => hash(`${humanId}:${name}`);
  return {
    tz: demoTimeZoneOffset(humanId),
    restingHeartRate: 52 + trait('rest') * 18,
    weight: 58 + trait('weight') * 40,
    height: 1.55 + trait('height') * 0.4,
    bodyFat: 14 + trait('fat') * 18,
    systolic: 108 + trait('sys') * 30,
    diastolic: 68 + trait('dia') * 16,
    glucose: trait('glucose'),
    stepsPerDay: 3_500 + trait('steps') * 8_500,
    weighInDay: Math.floor(trait('weighday') * 7),
  };
}
type Profile = ReturnType<typeof profile>;

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Local calendar helpers for a fixed UTC offset: day numbers count local days since 1970-01-01. */
const localDayOf = (ms: number, tz: number) => Math.floor((ms + tz * MINUTE) / DAY);
const dayStart = (day: number, tz: number) => day * DAY - tz * MINUTE;
const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const isWeekend = (day: number) => [0, 6].includes(new Date(day * DAY).getUTCDay());

/** The night before local day `day`: bedtime 22:30–00:00, 6 to 8.5 hours of sleep. */
function night(humanId: string, day: number, tz: number) {
  const u = (name: string) => hash(`${humanId}:demo-tracker:sleep:${day}:${name}`);
  const bed = dayStart(day, tz) - 90 * MINUTE + Math.floor(u('bed') * 90) * MINUTE;
  const minutes = 360 + Math.floor(u('length') * 150);
  return { bed, wake: bed + minutes * MINUTE, minutes };
}

function tracker(humanId: string, p: Profile, from: number, to: number): Pending[] {
  const out: Pending[] = [];
  const source = 'demo-tracker';
  const u = (key: string) => hash(`${humanId}:${source}:${key}`);
  const firstDay = localDayOf(from, p.tz) - 1;
  const lastDay = localDayOf(to, p.tz) + 1;
  const nights = new Map<number, ReturnType<typeof night>>();
  const nightOf = (day: number) => nights.get(day) ?? nights.set(day, night(humanId, day, p.tz)).get(day)!;

  // Heart rate every five minutes: low asleep, higher by day with a bump in the afternoon, a
  // workout on some evenings.
  for (let t = Math.floor(from / (5 * MINUTE)) * 5 * MINUTE + 5 * MINUTE; t <= to; t += 5 * MINUTE) {
    const day = localDayOf(t, p.tz);
    const asleep = [nightOf(day), nightOf(day + 1)].some((n) => t >= n.bed && t < n.wake);
    const localHour = ((t + p.tz * MINUTE) % DAY) / HOUR;
    const noise = u(`hr:${t}`);
    let bpm: number;
    if (asleep) bpm = p.restingHeartRate - 4 + noise * 6;
    else if (localHour >= 18 && localHour < 18.75 && u(`workout:${day}`) < 0.4) bpm = p.restingHeartRate + 55 + noise * 30;
    else bpm = p.restingHeartRate + 10 + 8 * Math.sin(((localHour - 9) / 24) * 2 * Math.PI) + noise * 18;
    out.push({ reading: { type: 'heart_rate', ts: new Date(t), tzOffsetMinutes: p.tz, value: round(bpm), sourceReadingId: `hr:${t / 1000}` }, availableAt: t });
  }

  for (let day = firstDay; day <= lastDay; day++) {
    const start = dayStart(day, p.tz);
    const date = dateOf(day);
    // The day's totals, available once the local day is over.
    const steps = round(p.stepsPerDay * (0.55 + u(`steps:${day}`) * 0.9) * (isWeekend(day) ? 0.75 : 1));
    const totals: [ReadingType, number][] = [
      ['steps', steps],
      ['distance', round(steps * 0.76)],
      ['calories', round(1_650 + steps * 0.045 + u(`kcal:${day}`) * 250)],
      ['activity', round(steps / 160 + u(`active:${day}`) * 25)],
    ];
    for (const [type, value] of totals) {
      out.push({ reading: { type, ts: new Date(start), tzOffsetMinutes: p.tz, value, sourceReadingId: `${type}:${date}` }, availableAt: start + DAY });
    }
    // The night before this day: sleep (at bedtime, for its length) and the night's average SpO2,
    // both known on waking.
    const n = nightOf(day);
    out.push({ reading: { type: 'sleep', ts: new Date(n.bed), tzOffsetMinutes: p.tz, value: n.minutes, sourceReadingId: `sleep:${date}` }, availableAt: n.wake });
    const spo2 = 95 + u(`spo2:${day}`) * 3.8;
    out.push({ reading: { type: 'blood_oxygen', ts: new Date(n.wake), tzOffsetMinutes: p.tz, value: round(spo2, 1), sourceReadingId: `spo2:${date}` }, availableAt: n.wake });
  }
  return out;
}

function scale(humanId: string, p: Profile, from: number, to: number): Pending[] {
  const out: Pending[] = [];
  const u = (key: string) => hash(`${humanId}:demo-scale:${key}`);
  for (let day = localDayOf(from, p.tz) - 1; day <= localDayOf(to, p.tz) + 1; day++) {
    // Weekly weigh-ins on the person's day, and now and then an extra one.
    if ((day + p.weighInDay) % 7 !== 0 && u(`extra:${day}`) > 0.08) continue;
    const t = dayStart(day, p.tz) + 6.5 * HOUR + Math.floor(u(`time:${day}`) * 90) * MINUTE;
    const weight = p.weight + 1.5 * Math.sin(t / (40 * DAY)) + (u(`w:${day}`) - 0.5) * 0.8;
    const date = dateOf(day);
    const values: [ReadingType, number][] = [
      ['weight', round(weight, 1)],
      ['body_fat', round(p.bodyFat + (weight - p.weight) * 0.3 + (u(`fat:${day}`) - 0.5) * 0.8, 1)],
      ['bmi', round(weight / (p.height * p.height), 1)],
    ];
    for (const [type, value] of values) {
      out.push({ reading: { type, ts: new Date(t), tzOffsetMinutes: p.tz, value, sourceReadingId: `${type}:${date}` }, availableAt: t });
    }
  }
  return out;
}

function cuff(humanId: string, p: Profile, from: number, to: number): Pending[] {
  const out: Pending[] = [];
  const u = (key: string) => hash(`${humanId}:demo-cuff:${key}`);
  for (let day = localDayOf(from, p.tz) - 1; day <= localDayOf(to, p.tz) + 1; day++) {
    // Morning and evening, each skipped now and then.
    for (const [slot, hour] of [['am', 7.5], ['pm', 20.5]] as const) {
      if (u(`skip:${day}:${slot}`) < 0.15) continue;
      const t = dayStart(day, p.tz) + hour * HOUR + Math.floor(u(`time:${day}:${slot}`) * 60) * MINUTE;
      const r = u(`bp:${day}:${slot}`);
      const id = `${dateOf(day)}:${slot}`;
      out.push({
        reading: { type: 'blood_pressure', ts: new Date(t), tzOffsetMinutes: p.tz, value: round(p.systolic + (slot === 'pm' ? -4 : 0) + r * 14), value2: round(p.diastolic + r * 9), sourceReadingId: `bp:${id}` },
        availableAt: t,
      });
      out.push({ reading: { type: 'heart_rate', ts: new Date(t), tzOffsetMinutes: p.tz, value: round(p.restingHeartRate + 4 + u(`hr:${day}:${slot}`) * 10), sourceReadingId: `hr:${id}` }, availableAt: t });
    }
  }
  return out;
}

function glucose(humanId: string, p: Profile, from: number, to: number): Pending[] {
  const out: Pending[] = [];
  const u = (key: string) => hash(`${humanId}:demo-glucose:${key}`);
  // Fasting on waking, then about an hour after each meal.
  const meals = [{ hour: 7, base: 82, spread: 20 }, { hour: 9, base: 110, spread: 45 }, { hour: 13.5, base: 115, spread: 50 }, { hour: 20, base: 120, spread: 55 }];
  for (let day = localDayOf(from, p.tz) - 1; day <= localDayOf(to, p.tz) + 1; day++) {
    meals.forEach((meal, i) => {
      const t = dayStart(day, p.tz) + meal.hour * HOUR + Math.floor(u(`time:${day}:${i}`) * 40) * MINUTE;
      const value = meal.base + p.glucose * 25 + u(`bg:${day}:${i}`) * meal.spread;
      out.push({ reading: { type: 'blood_glucose', ts: new Date(t), tzOffsetMinutes: p.tz, value: round(value), sourceReadingId: `bg:${dateOf(day)}:${i}` }, availableAt: t });
    });
  }
  return out;
}

const GENERATORS: Record<string, (humanId: string, p: Profile, from: number, to: number) => Pending[]> = {
  'demo-tracker': tracker,
  'demo-scale': scale,
  'demo-cuff': cuff,
  'demo-glucose': glucose,
};

export const isDemoSource = (sourceId: string) => sourceId in GENERATORS;

/**
 * The readings of demo source `sourceId` for user `humanId` that became available in the window
 * (from, to], oldest first. Throws for a source that is not a demo source.
 */
export function demoReadings(humanId: string, sourceId: string, window: { from: Date; to: Date }): (ReadingInput & { ts: Date; value: number })[] {
  const generate = GENERATORS[sourceId];
  if (!generate) throw new Error(`${sourceId} is not a demo source`);
  const from = window.from.getTime();
  const to = window.to.getTime();
  if (!(to > from)) return [];
  return generate(humanId, profile(humanId), from, to)
    .filter((p) => p.availableAt > from && p.availableAt <= to)
    .sort((a, b) => a.reading.ts.getTime() - b.reading.ts.getTime())
    .map((p) => p.reading);
}
