// The Connect widget's browser code and styles: components/connect/ bundled by esbuild once per
// process (on first use, ~100 ms), served under a content-hash URL with a year's cache. Not part of
// the Next.js build: the widget must stay far below Next's own runtime in size (≤ 60 kB gzip).
// Run this file to print the bundle's sizes: node --import tsx lib/api/connect/widget-assets.ts
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SOURCES = path.join(root, 'components/connect');

/** The first-load budget of the widget's JavaScript, gzip, from the issue. */
export const WIDGET_JS_BUDGET_GZIP = 60 * 1024;

export type WidgetAsset = { name: string; contentType: string; body: Buffer; gzipBytes: number };
export type WidgetAssets = { script: WidgetAsset; style: WidgetAsset };

async function bundle(): Promise<WidgetAssets> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(SOURCES, 'widget.ts'), path.join(SOURCES, 'widget.css')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outdir: 'connect-assets',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const asset = (extension: string, contentType: string): WidgetAsset => {
    const file = result.outputFiles.find((f) => f.path.endsWith(extension));
    if (!file) throw new Error(`The widget bundle has no ${extension} output.`);
    const body = Buffer.from(file.contents);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    return { name: `widget.${hash}${extension}`, contentType, body, gzipBytes: gzipSync(body, { level: 9 }).length };
  };
  return { script: asset('.js', 'text/javascript; charset=utf-8'), style: asset('.css', 'text/css; charset=utf-8') };
}

let built: Promise<WidgetAssets> | undefined;

/** The bundled widget, built once per process; a failed build is retried on the next call. */
export function widgetAssets(): Promise<WidgetAssets> {
  if (!built) {
    built = bundle();
    built.catch(() => (built = undefined));
  }
  return built;
}

/** What the widget's first load costs: bytes and gzip bytes of its script and stylesheet. */
export async function measureWidgetBundle(): Promise<{ js: { bytes: number; gzipBytes: number }; css: { bytes: number; gzipBytes: number } }> {
  const { script, style } = await widgetAssets();
  return {
    js: { bytes: script.body.length, gzipBytes: script.gzipBytes },
    css: { bytes: style.body.length, gzipBytes: style.gzipBytes },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await measureWidgetBundle();
  console.log(`connect widget: js ${sizes.js.bytes} B (${sizes.js.gzipBytes} B gzip, budget ${WIDGET_JS_BUDGET_GZIP}), css ${sizes.css.bytes} B (${sizes.css.gzipBytes} B gzip)`);
}
