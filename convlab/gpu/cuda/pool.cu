// Max and average pooling for convlab, as CUDA kernels.
//
// Same results as convlab.fast_layers.{max,avg}_pool_{forward,backward}:
//   x, dx    (N, C, H, W)     C-contiguous
//   out,dout (N, C, H2, W2)   window (h, w) is x[.., h*stride : h*stride+size,
//                                                 w*stride : w*stride+size]
//   argmax   (N, C, H2, W2)   int32: i*size + j, the cell of the FIRST maximum
//                             of the window in reading order (as convlab's
//                             naive loop; NaN inputs are not handled).
//
// Barrier-free grid-stride loops, one thread per OUTPUT element, no atomics,
// no shared memory; backward passes are gathers: the thread of dx[n, c, y, x]
// visits the windows covering (y, x) in the (i, j) order of convlab's loops,
// so sums are added in the same order. Integer arguments are `int` (pass
// numpy.int32). Self-contained for NVRTC; see cpu_shim.h for the CPU build.

template <typename T>
__device__ void max_pool_forward_impl(const T* __restrict__ x, T* __restrict__ out,
                                      int* __restrict__ argmax,
                                      int N, int C, int H, int W, int size,
                                      int stride, int H2, int W2)
{
    const int total = N * C * H2 * W2;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int w = idx % W2;
        const int h = (idx / W2) % H2;
        const int nc = idx / (W2 * H2);
        const T* plane = x + (long long)nc * H * W;
        const int y0 = h * stride, x0 = w * stride;
        T best = plane[y0 * W + x0];
        int best_cell = 0;
        for (int i = 0; i < size; ++i)
            for (int j = 0; j < size; ++j) {
                const T v = plane[(y0 + i) * W + x0 + j];
                if (v > best) { best = v; best_cell = i * size + j; }   // strict: first max wins
            }
        out[idx] = best;
        argmax[idx] = best_cell;
    }
}

template <typename T>
__device__ void max_pool_backward_impl(const T* __restrict__ dout,
                                       const int* __restrict__ argmax,
                                       T* __restrict__ dx,
                                       int N, int C, int H, int W, int size,
                                       int stride, int H2, int W2)
{
    const int total = N * C * H * W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int x = idx % W;
        const int y = (idx / W) % H;
        const int nc = idx / (W * H);
        const int base = nc * H2 * W2;
        T sum = T(0);
        for (int i = 0; i < size; ++i) {
            const int ty = y - i;
            if (ty < 0) break;
            if (ty % stride) continue;
            const int h = ty / stride;
            if (h >= H2) continue;
            for (int j = 0; j < size; ++j) {
                const int tx = x - j;
                if (tx < 0) break;
                if (tx % stride) continue;
                const int w = tx / stride;
                if (w >= W2) continue;
                const int o = base + h * W2 + w;
                if (argmax[o] == i * size + j) sum += dout[o];
            }
        }
        dx[idx] = sum;
    }
}

template <typename T>
__device__ void avg_pool_forward_impl(const T* __restrict__ x, T* __restrict__ out,
                                      int N, int C, int H, int W, int size,
                                      int stride, int H2, int W2)
{
    const int total = N * C * H2 * W2;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int w = idx % W2;
        const int h = (idx / W2) % H2;
        const int nc = idx / (W2 * H2);
        const T* plane = x + (long long)nc * H * W;
        const int y0 = h * stride, x0 = w * stride;
        T sum = T(0);
        for (int i = 0; i < size; ++i)
            for (int j = 0; j < size; ++j)
                sum += plane[(y0 + i) * W + x0 + j];
        out[idx] = sum / T(size * size);
    }
}

template <typename T>
__device__ void avg_pool_backward_impl(const T* __restrict__ dout, T* __restrict__ dx,
                                       int N, int C, int H, int W, int size,
                                       int stride, int H2, int W2)
{
    const int total = N * C * H * W;
    const T area = T(size * size);
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += blockDim.x * gridDim.x) {
        const int x = idx % W;
        const int y = (idx / W) % H;
        const int nc = idx / (W * H);
        const int base = nc * H2 * W2;
        T sum = T(0);
        for (int i = 0; i < size; ++i) {
            const int ty = y - i;
            if (ty < 0) break;
            if (ty % stride) continue;
            const int h = ty / stride;
            if (h >= H2) continue;
            for (int j = 0; j < size; ++j) {
                const int tx = x - j;
                if (tx < 0) break;
                if (tx % stride) continue;
                const int w = tx / stride;
                if (w >= W2) continue;
                sum += dout[base + h * W2 + w] / area;   // share first, as convlab
            }
        }
        dx[idx] = sum;
    }
}

#define CONVLAB_POOL_KERNELS(T, SUFFIX)                                        \
extern "C" __global__ void max_pool_forward_##SUFFIX(                          \
    const T* x, T* out, int* argmax, int N, int C, int H, int W, int size,    \
    int stride, int H2, int W2)                                                \
{ max_pool_forward_impl<T>(x, out, argmax, N, C, H, W, size, stride, H2, W2); }\
extern "C" __global__ void max_pool_backward_##SUFFIX(                         \
    const T* dout, const int* argmax, T* dx, int N, int C, int H, int W,      \
    int size, int stride, int H2, int W2)                                      \
{ max_pool_backward_impl<T>(dout, argmax, dx, N, C, H, W, size, stride, H2, W2); } \
extern "C" __global__ void avg_pool_forward_##SUFFIX(                          \
    const T* x, T* out, int N, int C, int H, int W, int size, int stride,     \
    int H2, int W2)                                                            \
{ avg_pool_forward_impl<T>(x, out, N, C, H, W, size, stride, H2, W2); }        \
extern "C" __global__ void avg_pool_backward_##SUFFIX(                         \
    const T* dout, T* dx, int N, int C, int H, int W, int size, int stride,   \
    int H2, int W2)                                                            \
{ avg_pool_backward_impl<T>(dout, dx, N, C, H, W, size, stride, H2, W2); }

CONVLAB_POOL_KERNELS(float, f32)
CONVLAB_POOL_KERNELS(double, f64)
#undef CONVLAB_POOL_KERNELS
