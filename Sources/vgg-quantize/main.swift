print("vgg-quantize")
