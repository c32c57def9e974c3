#ifndef VGG_IMAGE_CODECS_H
#define VGG_IMAGE_CODECS_H
#endif
