// im2col / col2im for convlab, as CUDA kernels.
//
// Same layouts as convlab.fast_layers.im2col / col2im:
//   xp   (N, C, Hp, Wp)           padded input, C-contiguous
//   cols (C*HH*WW, N*H2*W2)       row (c, i, j), column (n, h, w)
//   dx   (N, C, H, W)             unpadded gradient
//
// Barrier-free grid-stride loops, one thread per OUTPUT element, no atomics,
// no shared memory. Integer arguments are `int` (pass numpy.int32); every
// array must have fewer than 2**31 elements. Self-contained (no #include) so
// that NVRTC (CuPy RawModule) compiles it as is; convlab/gpu/cuda/cpu_shim.h lets
// g++ compile the very same file for the CPU tests.

template <typename T>
__device__ void im2col_impl(const T* __restrict__ xp, T* __restrict__ cols,
                            int N, int C, int Hp, int Wp, int HH, int WW,
                            int stride, int H2, int W2)
{
    const int ncols = N * H2 * W2;
    const int total = C * HH * WW * ncols;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int col = idx % ncols;
        const int row = idx / ncols;
        const int w = col % W2;
        const int h = (col / W2) % H2;
        const int n = col / (W2 * H2);
        const int j = row % WW;
        const int i = (row / WW) % HH;
        const int c = row / (WW * HH);
        cols[idx] = xp[((n * C + c) * Hp + h * stride + i) * Wp + w * stride + j];
    }
}

// Gather form of the adjoint: the thread of dx[n, c, y, x] sums, in the
// (i, j) order of convlab's col2im, every cols entry copied from padded cell
// (y + pad, x + pad). Contributions of the padding are never computed.
template <typename T>
__device__ void col2im_impl(const T* __restrict__ cols, T* __restrict__ dx,
                            int N, int C, int H, int W, int HH, int WW,
                            int stride, int pad, int H2, int W2)
{
    const int ncols = N * H2 * W2;
    const int total = N * C * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int x = idx % W;
        const int y = (idx / W) % H;
        const int c = (idx / (W * H)) % C;
        const int n = idx / (W * H * C);
        T sum = T(0);
        for (int i = 0; i < HH; ++i) {
            const int ty = y + pad - i;          // = h * stride for a window h
            if (ty < 0) break;
            if (ty % stride) continue;
            const int h = ty / stride;
            if (h >= H2) continue;
            for (int j = 0; j < WW; ++j) {
                const int tx = x + pad - j;
                if (tx < 0) break;
                if (tx % stride) continue;
                const int w = tx / stride;
                if (w >= W2) continue;
                const int row = (c * HH + i) * WW + j;
                sum += cols[row * ncols + (n * H2 + h) * W2 + w];
            }
        }
        dx[idx] = sum;
    }
}

#define CONVLAB_IM2COL_KERNELS(T, SUFFIX)                                      \
extern "C" __global__ void im2col_##SUFFIX(                                    \
    const T* xp, T* cols, int N, int C, int Hp, int Wp, int HH, int WW,       \
    int stride, int H2, int W2)                                                \
{ im2col_impl<T>(xp, cols, N, C, Hp, Wp, HH, WW, stride, H2, W2); }            \
extern "C" __global__ void col2im_##SUFFIX(                                    \
    const T* cols, T* dx, int N, int C, int H, int W, int HH, int WW,         \
    int stride, int pad, int H2, int W2)                                       \
{ col2im_impl<T>(cols, dx, N, C, H, W, HH, WW, stride, pad, H2, W2); }

CONVLAB_IM2COL_KERNELS(float, f32)
CONVLAB_IM2COL_KERNELS(double, f64)
#undef CONVLAB_IM2COL_KERNELS
