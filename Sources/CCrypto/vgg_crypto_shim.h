// OpenSSL's libcrypto, used offline only for SHA-256 (torch.hub file-name hash check).
#ifndef VGG_CRYPTO_SHIM_H
#define VGG_CRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
