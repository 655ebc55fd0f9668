// An operation's parameters: name, where it goes, type, rules, description and example.
import { InlineCode } from '@/components/ui/inline-code';
import { DescriptionText } from './description-text';
import { describeConstraints, parameterExample, type Operation } from './openapi-document';
import { ConstraintList, TypeName } from './schema-view';

export function ParametersTable({ operation }: { operation: Operation }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200">
      <table className="w-full min-w-xl text-left text-sm">
        <caption className="sr-only">
          Parameters of {operation.method.toUpperCase()} {operation.path}
        </caption>
        <thead className="bg-zinc-50 text-xs font-medium tracking-wide text-zinc-500 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">Name</th>
            <th scope="col" className="px-3 py-2">In</th>
            <th scope="col" className="px-3 py-2">Type and rules</th>
            <th scope="col" className="px-3 py-2">Description</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100">
          {operation.parameters.map((parameter) => {
            const example = parameterExample(parameter);
            const description = parameter.description ?? parameter.schema?.description;
            return (
              <tr key={`${parameter.in}:${parameter.name}`} className="align-top">
                <th scope="row" className="px-3 py-2 font-normal">
                  <code className="font-mono font-semibold text-zinc-900">{parameter.name}</code>
                  <span className={`block text-xs ${parameter.required ? 'font-medium text-red-700' : 'text-zinc-400'}`}>
                    {parameter.required ? 'required' : 'optional'}
                  </span>
                </th>
                <td className="px-3 py-2 text-zinc-600">{parameter.in}</td>
                <td className="px-3 py-2">
                  <div className="flex flex-col items-start gap-1">
                    <TypeName schema={parameter.schema} />
                    <ConstraintList constraints={describeConstraints(parameter.schema)} />
                  </div>
                </td>
                <td className="px-3 py-2 text-zinc-600">
                  {description ? <DescriptionText text={description} /> : null}
                  {parameter.deprecated ? <span className="block text-xs font-medium text-amber-700">Deprecated</span> : null}
                  {example !== undefined ? (
                    <span className="mt-1 block text-xs text-zinc-500">
                      Example: <InlineCode>{typeof example === 'string' ? example : JSON.stringify(example)}</InlineCode>
                    </span>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
