import type { TrimRule } from './runtime-tree.ts';

// Directories no action needs: documentation, manuals, translations,
// packaging metadata, and files only interactive or debugging sessions use.
// Locale *data* (/usr/lib/locale, C.UTF-8) and gconv modules stay: tools
// behave differently without them.
const DROPPED_TREES = [
  'usr/share/doc',
  'usr/share/doc-base',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'usr/share/bug',
  'usr/share/bash-completion',
  'usr/share/gdb',
  'usr/share/gcc',
  'usr/share/menu',
  'var/lib/dpkg',
  'var/cache/debconf',
];

/**
 * The trimming every runtime gets. It keeps `usr/share/doc/<package>/copyright`
 * (and the directories or directory symlinks holding it): the image
 * redistributes these binaries, and their licenses (GPL and others) require
 * the notices to travel with them. They are a few KiB each.
 */
export const defaultTrim: TrimRule = (path) => {
  if (path === 'usr/share/doc' || /^usr\/share\/doc\/[^/]+(\/copyright)?$/.test(path)) return false;
  return DROPPED_TREES.some((dir) => path === dir || path.startsWith(`${dir}/`));
};
