# Base of build/config.gypi. Empty, so that the build does not inherit the
# settings of whichever Node.js runs node-gyp (see common.gypi beside this).
# node-gyp reads this file as JSON once comments are gone: no trailing commas.
{
  'variables': {}
}
