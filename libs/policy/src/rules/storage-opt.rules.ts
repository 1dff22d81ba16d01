import { formatBytes, parseByteSize } from '../units/byte-size';
import { FieldRule, Finding, RuleContext } from './field-rule';

/**
 * StorageOpt is read by the storage driver, and `size` is the only key any of
 * them knows (overlay2, vfs and btrfs need quota support, zfs sets a dataset
 * quota). A container's `size` replaces the daemon's own default quota
 * (`--storage-opt overlay2.size`), and `size=0` means no quota at all, so it
 * is allowed only under a ceiling the operator set.
 */
function checkStorageOpt(value: unknown, context: RuleContext): Finding | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const options = value as Record<string, string>;
  const { max } = context.options.resources.disk;
  for (const key of Object.keys(options)) {
    const at = (reason: string): Finding => ({ reason, field: `StorageOpt.${key}`, value: options[key] });
    // Drivers lower-case the key; only the one spelling is accepted so that two cannot compete.
    if (key !== 'size') return at('only the storage option size is allowed');
    if (max === undefined) return at('a container disk size replaces the daemon\'s own quota; it needs a ceiling in the policy (resources.disk.max)');
    const bytes = parseByteSize(options[key], 'binary');
    if (bytes === undefined || bytes < 1) return at('size must be a positive size such as 10g (0 means no quota)');
    if (bytes > max) return at(`at most ${formatBytes(max)} of disk per container is allowed (resources.disk.max)`);
  }
  return undefined;
}

export const STORAGE_OPT_RULES: readonly FieldRule[] = [{ rule: 'resources', field: 'StorageOpt', check: checkStorageOpt }];
