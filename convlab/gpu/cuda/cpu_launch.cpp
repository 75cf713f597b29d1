// CPU build of convlab's CUDA kernels, for tests/test_cuda_kernels.py:
//   g++ -O2 -shared -fPIC -std=c++17 cpu_launch.cpp -o libconvlab_cuda_cpu.so
// Each launch_<kernel>(grid, block, <kernel's arguments>) runs <kernel> over
// every (block, thread) pair of a 1-D launch, through cpu_shim.h.
#include "cpu_shim.h"
#include "im2col.cu"
#include "pool.cu"

#define CONVLAB_LAUNCHERS(T, S)                                                \
extern "C" void launch_im2col_##S(int grid, int block, const T* xp, T* cols,  \
    int N, int C, int Hp, int Wp, int HH, int WW, int stride, int H2, int W2) \
{ convlab_launch(grid, block, im2col_##S, xp, cols, N, C, Hp, Wp, HH, WW,      \
                 stride, H2, W2); }                                            \
extern "C" void launch_col2im_##S(int grid, int block, const T* cols, T* dx,  \
    int N, int C, int H, int W, int HH, int WW, int stride, int pad, int H2,  \
    int W2)                                                                    \
{ convlab_launch(grid, block, col2im_##S, cols, dx, N, C, H, W, HH, WW,        \
                 stride, pad, H2, W2); }                                       \
extern "C" void launch_max_pool_forward_##S(int grid, int block, const T* x,  \
    T* out, int* argmax, int N, int C, int H, int W, int size, int stride,    \
    int H2, int W2)                                                            \
{ convlab_launch(grid, block, max_pool_forward_##S, x, out, argmax, N, C, H,   \
                 W, size, stride, H2, W2); }                                   \
extern "C" void launch_max_pool_backward_##S(int grid, int block,             \
    const T* dout, const int* argmax, T* dx, int N, int C, int H, int W,      \
    int size, int stride, int H2, int W2)                                      \
{ convlab_launch(grid, block, max_pool_backward_##S, dout, argmax, dx, N, C,   \
                 H, W, size, stride, H2, W2); }                                \
extern "C" void launch_avg_pool_forward_##S(int grid, int block, const T* x,  \
    T* out, int N, int C, int H, int W, int size, int stride, int H2, int W2) \
{ convlab_launch(grid, block, avg_pool_forward_##S, x, out, N, C, H, W, size,  \
                 stride, H2, W2); }                                            \
extern "C" void launch_avg_pool_backward_##S(int grid, int block,             \
    const T* dout, T* dx, int N, int C, int H, int W, int size, int stride,   \
    int H2, int W2)                                                            \
{ convlab_launch(grid, block, avg_pool_backward_##S, dout, dx, N, C, H, W,     \
                 size, stride, H2, W2); }

CONVLAB_LAUNCHERS(float, f32)
CONVLAB_LAUNCHERS(double, f64)
