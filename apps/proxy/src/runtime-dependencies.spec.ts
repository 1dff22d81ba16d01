import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

// The image installs production dependencies only: a package the service
// imports at run time but that sits in devDependencies breaks only there.
describe('runtime imports', () => {
  const files = [...sources(join(root, 'apps')), ...sources(join(root, 'libs'))];
  const imported = new Set(
    files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*? from '([^.'][^']*)'/gm)]
        .map((match) => match[1])
        .filter((specifier) => !specifier.startsWith('@dind/') && !specifier.startsWith('node:') && !builtinModules.includes(specifier))
        .map(packageOf),
    ),
  );

  it.each([...imported].sort())('%s is a production dependency', (name) => {
    expect(Object.keys(manifest.dependencies)).toContain(name);
  });
});
