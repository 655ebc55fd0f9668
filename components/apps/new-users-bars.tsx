'use client';
// The bars of the app home's new-users chart, loaded on demand by new-users-chart.tsx.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { NewUsersDay } from '@/lib/apps/overview';
import { dayLabel as label } from './new-users-day';

export default function NewUsersBars({ days, isEstimate }: { days: NewUsersDay[]; isEstimate: boolean }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={days} margin={{ top: 4, right: 4, bottom: 0, left: -16 }} title="New users per day, last 30 days" accessibilityLayer>
        <CartesianGrid vertical={false} stroke="currentColor" strokeOpacity={0.15} />
        <XAxis dataKey="day" tickFormatter={label} tick={{ fill: 'currentColor', fontSize: 11 }} tickLine={false} axisLine={false} minTickGap={24} />
        <YAxis allowDecimals={false} tick={{ fill: 'currentColor', fontSize: 11 }} tickLine={false} axisLine={false} width={48} />
        <Tooltip
          cursor={{ fill: 'currentColor', fillOpacity: 0.08 }}
          labelFormatter={(day) => `${label(String(day))} (UTC)`}
          formatter={(value) => [`${isEstimate ? '≈ ' : ''}${Number(value).toLocaleString('en')}`, 'New users']}
          contentStyle={{ borderRadius: 8, fontSize: 12 }}
        />
        <Bar dataKey="count" fill="var(--color-brand-500)" radius={[2, 2, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
