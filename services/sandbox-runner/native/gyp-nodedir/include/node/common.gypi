# What node-gyp needs from a "Node.js headers" directory, and nothing more.
#
# node-gyp insists on a --nodedir holding include/node/common.gypi, normally
# Node's own build settings for addons, which it would otherwise download for
# the running Node version. actiond-sandbox is a plain executable that
# includes no Node header, so this directory stands in for those headers:
# the build needs nothing outside the repository but node-gyp, python3, make
# and a C compiler, whatever Node version runs it. binding.gyp sets every
# compiler and linker flag itself.
{
  'target_defaults': {
    'default_configuration': 'Release',
    'configurations': {
      'Debug': {},
      'Release': {},
    },
  },
}
