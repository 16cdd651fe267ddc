package org.inceptionspark.runtime;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.inceptionspark.runtime.PrimitiveArena.Role;

/**
 * The four data operands of a forward / backward primitive pair over one input and one output
 * tensor (a pooling, a batch norm): DL4J's NCHW arrays, in the layout the primitives run on.
 * Where the layouts differ, input-sized copies go to the buffers a convolution of the same input
 * size fills anyway (DIFF_DST, DST), the output-sized ones to SRC. The stem pool then grows no
 * buffer, and the batch norms, whose output is input-sized, grow only SRC
 * (docs/replica-performance.md, Workspaces and memory).
 */
final class LayerOperands {
    final Operand src;
    final Operand dst;
    final Operand diffDst;
    final Operand diffSrc;

    LayerOperands(long[] srcDims, dnnl_memory_desc_t srcInternal, long[] dstDims, dnnl_memory_desc_t dstInternal) {
        dnnl_memory_desc_t srcNchw = Dnnl.md(srcDims, dnnl_nchw);
        dnnl_memory_desc_t dstNchw = Dnnl.md(dstDims, dnnl_nchw);
        src = new Operand(srcNchw, srcInternal, Role.DIFF_DST, true);
        dst = new Operand(dstNchw, dstInternal, Role.DST, false);
        diffDst = new Operand(dstNchw, dstInternal, Role.SRC, true);
        diffSrc = new Operand(srcNchw, srcInternal, Role.DST, false);
    }

    /** Whether the primitives run on copies (else on DL4J's arrays themselves). */
    boolean copies() {
        return src.reorder != null;
    }

    /** The arena bytes per role these operands and the scratchpads of {@code pds} need. */
    Map<Role, Long> arenaNeeds(dnnl_primitive_desc... pds) {
        return Operand.arenaNeeds(new Operand[] {src, dst, diffDst, diffSrc}, pds);
    }
}
