// An operation's path with its {parameters} highlighted, breakable after each slash.
import { Fragment } from 'react';

export function OperationPath({ path }: { path: string }) {
  return path.split(/(\{[^}]+\}|\/)/g).map((segment, index) =>
    segment === '/' ? (
      <Fragment key={index}>
        /<wbr />
      </Fragment>
    ) : segment.startsWith('{') ? (
      <span key={index} className="text-brand-700">
        {segment}
      </span>
    ) : (
      segment
    ),
  );
}
