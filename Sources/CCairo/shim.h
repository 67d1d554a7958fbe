// The system cairo (Debian: libcairo2-dev, pkg-config: cairo), which draws flowc's figures.
#include <cairo.h>
