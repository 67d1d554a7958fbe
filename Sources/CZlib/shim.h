// The system zlib (Debian: zlib1g-dev, pkg-config: zlib), for reading gzipped data files.
#include <zlib.h>
