// cpu_shim.h: compile convlab's .cu kernels, unchanged, as plain C++ (g++).
//
// Only for testing on machines without a GPU. The CUDA qualifiers become
// nothing, and threadIdx / blockIdx / blockDim / gridDim become thread-local
// structs that convlab_launch() sets before calling the kernel once per
// (block, thread) pair, in order. That is a faithful emulation for
// barrier-free kernels whose threads write disjoint outputs (the only kind
// convlab has: no __syncthreads, no shared memory, no atomics).
#pragma once
#ifdef __CUDACC__
#error "cpu_shim.h is for the host compiler only; nvcc compiles the .cu files directly"
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

struct convlab_dim3 { unsigned int x = 0, y = 0, z = 0; };

static thread_local convlab_dim3 threadIdx, blockIdx, blockDim, gridDim;

// Run kernel(args...) as a launch of `grid` blocks of `block` threads (1-D).
template <typename Kernel, typename... Args>
static void convlab_launch(int grid, int block, Kernel kernel, Args... args)
{
    gridDim = {unsigned(grid), 1u, 1u};
    blockDim = {unsigned(block), 1u, 1u};
    threadIdx = {0u, 0u, 0u};
    blockIdx = {0u, 0u, 0u};
    for (int b = 0; b < grid; ++b) {
        blockIdx.x = unsigned(b);
        for (int t = 0; t < block; ++t) {
            threadIdx.x = unsigned(t);
            kernel(args...);
        }
    }
}
