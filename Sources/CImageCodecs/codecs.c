#include "vgg_image_codecs.h"
