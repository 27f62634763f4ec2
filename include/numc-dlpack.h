/* numc-dlpack.h — the DLPack data structures (DLPack 1.1, the version the
 * Python array API 2024.12 refers to), written from the specification at
 * https://dmlc.github.io/dlpack/latest/c_api.html so that numc needs no
 * system dlpack header. Names, values and layouts are the specification's,
 * and the include guard is dlpack.h's own: a program that already included
 * an official dlpack.h of version 1.0 or later uses that one instead.
 *
 * numc_to_dlpack / numc_from_dlpack (numc.h) export and import these. */
#ifndef DLPACK_DLPACK_H_
#define DLPACK_DLPACK_H_

#include <stddef.h>
#include <stdint.h>

#define DLPACK_MAJOR_VERSION 1
#define DLPACK_MINOR_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the structures a DLManagedTensorVersioned carries. */
typedef struct {
    uint32_t major;
    uint32_t minor;
} DLPackVersion;

typedef enum {
    kDLCPU = 1,
    kDLCUDA = 2,
    kDLCUDAHost = 3, /* pinned host memory: host-addressable */
    kDLOpenCL = 4,
    kDLVulkan = 7,
    kDLMetal = 8,
    kDLVPI = 9,
    kDLROCM = 10,
    kDLROCMHost = 11,
    kDLExtDev = 12,
    kDLCUDAManaged = 13,
    kDLOneAPI = 14,
    kDLWebGPU = 15,
    kDLHexagon = 16,
    kDLMAIA = 17,
} DLDeviceType;

typedef struct {
    DLDeviceType device_type;
    int32_t device_id;
} DLDevice;

typedef enum {
    kDLInt = 0U,
    kDLUInt = 1U,
    kDLFloat = 2U,
    kDLOpaqueHandle = 3U,
    kDLBfloat = 4U,
    kDLComplex = 5U,
    kDLBool = 6U,
    kDLFloat8_e3m4 = 7U,
    kDLFloat8_e4m3 = 8U,
    kDLFloat8_e4m3b11fnuz = 9U,
    kDLFloat8_e4m3fn = 10U,
    kDLFloat8_e4m3fnuz = 11U,
    kDLFloat8_e5m2 = 12U,
    kDLFloat8_e5m2fnuz = 13U,
    kDLFloat8_e8m0fnu = 14U,
    kDLFloat6_e2m3fn = 15U,
    kDLFloat6_e3m2fn = 16U,
    kDLFloat4_e2m1fn = 17U,
} DLDataTypeCode;

/* code (a DLDataTypeCode), bits per lane, lanes (1 for scalars) */
typedef struct {
    uint8_t code;
    uint8_t bits;
    uint16_t lanes;
} DLDataType;

/* A strided view: element (i0, i1, ...) lives at
 * (char *)data + byte_offset + (i0 * strides[0] + i1 * strides[1] + ...) * bits / 8;
 * strides count elements; NULL strides (legacy producers only) mean C order. */
typedef struct {
    void *data;
    DLDevice device;
    int32_t ndim;
    DLDataType dtype;
    int64_t *shape;
    int64_t *strides;
    uint64_t byte_offset;
} DLTensor;

/* The legacy (unversioned) managed tensor: Python capsule "dltensor". The
 * consumer calls deleter(self) once it no longer needs the memory. */
typedef struct DLManagedTensor {
    DLTensor dl_tensor;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensor *self);
} DLManagedTensor;

/* flags of a DLManagedTensorVersioned */
#define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL)              /* do not write */
#define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL)              /* a fresh copy */
#define DLPACK_FLAG_BITMASK_IS_SUBBYTE_TYPE_PADDED (1UL << 2UL) /* sub-byte types */

/* The versioned managed tensor (DLPack >= 1.0): Python capsule
 * "dltensor_versioned". */
typedef struct DLManagedTensorVersioned {
    DLPackVersion version;
    void *manager_ctx;
    void (*deleter)(struct DLManagedTensorVersioned *self);
    uint64_t flags;
    DLTensor dl_tensor;
} DLManagedTensorVersioned;

#ifdef __cplusplus
}
#endif

#endif
