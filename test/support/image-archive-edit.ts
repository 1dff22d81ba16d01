import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/**
 * Edits a `docker save` archive the way a hostile client would: extracted
 * with the tar CLI, changed in place (manifest.json, an image config), packed
 * again with the same top-level names. Returns the new archive.
 */
export function editImageArchive(baseDir: string, archive: Buffer, edit: (dir: string, manifest: ManifestItem[]) => void, lastManifest?: (manifest: ManifestItem[]) => void): Buffer {
  const dir = mkdtempSync(join(baseDir, 'image-archive-'));
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ManifestItem[];
  const second = JSON.parse(JSON.stringify(manifest)) as ManifestItem[];
  edit(dir, manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const entries = ['-C', dir, ...readdirSync(dir).sort()];
  if (lastManifest) {
    // A second entry named manifest.json at the end of the archive.
    const other = mkdtempSync(join(baseDir, 'image-archive-'));
    lastManifest(second);
    writeFileSync(join(other, 'manifest.json'), JSON.stringify(second));
    entries.push('-C', other, 'manifest.json');
  }
  return execFileSync('tar', ['-c', ...entries], { maxBuffer: 1024 * 1024 * 1024 });
}

/** Rewrites the image config at `path` (relative to the extracted archive); returns its new bytes. */
export function editImageConfig(dir: string, path: string, edit: (config: { config?: { Labels?: Record<string, string> | null } }) => void): Buffer {
  const config = JSON.parse(readFileSync(join(dir, path), 'utf8')) as { config?: { Labels?: Record<string, string> | null } };
  edit(config);
  const bytes = Buffer.from(JSON.stringify(config));
  writeFileSync(join(dir, path), bytes);
  return bytes;
}
