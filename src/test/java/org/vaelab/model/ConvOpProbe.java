package org.vaelab.model;

import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Times libnd4j's conv kernels alone (no SameDiff) at the bench conv model's shapes, against a plain gemm of
 * the same FLOPs, and with a third argument the building blocks of {@link ConvLayers} and their alternatives
 * (pads, slices, concat and its backward, rank-4 vs rank-6 permutes, relu backward variants) (not a test):
 * {@code java -cp ... org.vaelab.model.ConvOpProbe BATCH REPS [prims]}.
 */
public final class ConvOpProbe {
    private ConvOpProbe() {
    }

    static double time(String label, double flops, int reps, Runnable r) {
        for (int i = 0; i < 2; i++) {
            r.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        double ms = (System.nanoTime() - t0) / 1e6 / reps;
        System.out.printf("  %-52s %8.2f ms  %6.1f GFLOP/s%n", label, ms, flops / ms / 1e6);
        return ms;
    }

    static DynamicCustomOp op(String name, INDArray[] in, INDArray[] out, int... iargs) {
        return DynamicCustomOp.builder(name).addInputs(in).addOutputs(out).addIntegerArguments(iargs).build();
    }

    static void prims(int n, int reps) {
        DataType f = DataType.FLOAT;
        INDArray x = Nd4j.rand(f, n, 32, 14, 14);
        INDArray cols = Nd4j.create(f, n, 32, 3, 3, 7, 7);
        double mb = cols.length() * 4 / 1e6;
        time("im2col NCHW [n,32,14,14] k3s2p1 -> " + String.format("%.1f MB", mb), 0, reps,
                () -> Nd4j.exec(op("im2col", new INDArray[]{x}, new INDArray[]{cols}, 3, 3, 2, 2, 1, 1, 1, 1, 0)));
        INDArray gx = Nd4j.create(f, n, 32, 14, 14);
        time("im2col_bp", 0, reps, () -> Nd4j.exec(op("im2col_bp", new INDArray[]{x, cols}, new INDArray[]{gx}, 3, 3, 2, 2, 1, 1, 1, 1, 0)));
        INDArray colsP = Nd4j.create(f, n, 7, 7, 32, 3, 3);
        time("permute [n,32,3,3,7,7] -> [n,7,7,32,3,3] (assign)", 0, reps, () -> colsP.assign(cols.permute(0, 4, 5, 1, 2, 3)));
        INDArray xh = Nd4j.rand(f, n, 14, 14, 32);
        INDArray xp = Nd4j.create(f, n, 16, 16, 32);
        time("pad NHWC [n,14,14,32] -> [n,16,16,32]", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("pad")
                .addInputs(xh, Nd4j.createFromArray(new int[][]{{0, 0}, {1, 1}, {1, 1}, {0, 0}})).addOutputs(xp)
                .addIntegerArguments(0).addFloatingPointArguments(0.0).build()));
        INDArray tap = Nd4j.create(f, n, 7, 7, 32);
        time("strided_slice [n,16,16,32] -> [n,7,7,32] (x9 in a layer)", 0, reps, () -> tap.assign(xp.get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2, 15),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2, 15), org.nd4j.linalg.indexing.NDArrayIndex.all())));
        INDArray[] taps = new INDArray[9];
        for (int i = 0; i < 9; i++) {
            taps[i] = Nd4j.rand(f, n, 7, 7, 32);
        }
        INDArray cat = Nd4j.create(f, n, 7, 7, 288);
        time("concat 9 x [n,7,7,32] axis 3", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(taps)
                .addOutputs(cat).addIntegerArguments(3).build()));
        INDArray flat = Nd4j.create(f, n * 49, 288);
        time("reshape op [n,7,7,288] -> [n*49,288]", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("reshape")
                .addInputs(cat).addOutputs(flat).addIntegerArguments(-99, n * 49, 288).build()));
        time("assign (memcpy-like) 7.2 MB", 0, reps, () -> flat.assign(cat.reshape(n * 49, 288)));
        INDArray z6 = Nd4j.rand(f, n, 8, 8, 2, 2, 32);
        INDArray z6p = Nd4j.create(f, n, 8, 2, 8, 2, 32);
        time("permute rank6 [n,8,8,2,2,32] (0,1,3,2,4,5) (assign)", 0, reps, () -> z6p.assign(z6.permute(0, 1, 3, 2, 4, 5)));
        INDArray z4 = Nd4j.rand(f, n, 8, 8, 128);
        INDArray d2s = Nd4j.create(f, n, 16, 16, 32);
        time("depth_to_space NHWC [n,8,8,128] -> [n,16,16,32]", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("depth_to_space")
                .addInputs(z4).addOutputs(d2s).addIntegerArguments(2, 1).build()));
        INDArray e = Nd4j.rand(f, n, 7, 7, 64);
        INDArray en = Nd4j.create(f, n, 64, 7, 7);
        time("permute rank4 [n,7,7,64] -> NCHW (assign)", 0, reps, () -> en.assign(e.permute(0, 3, 1, 2)));
        INDArray a = Nd4j.rand(f, n * 49, 288), bm = Nd4j.rand(f, 288, 64), c = Nd4j.create(f, n * 49, 64);
        time("gemm [n*49,288]x[288,64]", 2.0 * n * 49 * 288 * 64, reps, () -> Nd4j.gemm(a, bm, c, false, false, 1.0, 0.0));
        INDArray z4a = Nd4j.rand(f, n * 8, 8, 2, 64);
        INDArray z4b = Nd4j.create(f, n * 8, 2, 8, 64);
        time("same as rank4 [n*8,8,2,64] (0,2,1,3) (assign)", 0, reps, () -> z4b.assign(z4a.permute(0, 2, 1, 3)));
        INDArray w6 = Nd4j.rand(f, 2, 2, 2, 2, 32, 64), w6r = Nd4j.create(f, 2, 2, 2, 2, 32, 64);
        time("reverse rank6 weight [2,2,2,2,32,64] dims 0,2", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("reverse")
                .addInputs(w6).addOutputs(w6r).addIntegerArguments(0, 2).build()));
        INDArray w6p = Nd4j.create(f, 2, 2, 64, 2, 2, 32);
        time("permute weight rank6 (0,2,5,1,3,4)", 0, reps, () -> w6p.assign(w6.permute(0, 2, 5, 1, 3, 4)));
        INDArray r = Nd4j.rand(f, n, 14, 14, 32).subi(0.5), rg = Nd4j.rand(f, n, 14, 14, 32), ro = Nd4j.create(f, n, 14, 14, 32);
        time("relu_bp (thresholdedrelu_bp) [n,14,14,32]", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("thresholdedrelu_bp")
                .addInputs(r, rg).addOutputs(ro).addFloatingPointArguments(0.0).build()));
        time("relu_bp op", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("relu_bp")
                .addInputs(r, rg).addOutputs(ro).addFloatingPointArguments(0.0).build()));
        time("relu forward", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("relu")
                .addInputs(r).addOutputs(ro).addFloatingPointArguments(0.0).build()));
        time("leakyrelu_bp", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("lrelu_bp")
                .addInputs(r, rg).addOutputs(ro).addFloatingPointArguments(0.0).build()));
        time("multiply (mask x grad)", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("multiply")
                .addInputs(r, rg).addOutputs(ro).build()));
        INDArray gcat = Nd4j.rand(f, n, 7, 7, 288);
        INDArray[] gtaps = new INDArray[9];
        for (int i = 0; i < 9; i++) {
            gtaps[i] = Nd4j.create(f, n, 7, 7, 32);
        }
        INDArray[] cin = new INDArray[10];
        System.arraycopy(taps, 0, cin, 0, 9);
        cin[9] = gcat;
        time("concat_bp 9 x [n,7,7,32] axis 3", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("concat_bp").addInputs(cin)
                .addOutputs(gtaps).addIntegerArguments(3).build()));
        INDArray[] taps0 = new INDArray[9];
        INDArray[] gtaps0 = new INDArray[9];
        for (int i = 0; i < 9; i++) {
            taps0[i] = Nd4j.rand(f, 1, n * 49, 32);
            gtaps0[i] = Nd4j.create(f, 1, n * 49, 32);
        }
        INDArray gcat0 = Nd4j.rand(f, 9, n * 49, 32);
        INDArray[] cin0 = new INDArray[10];
        System.arraycopy(taps0, 0, cin0, 0, 9);
        cin0[9] = gcat0;
        time("concat_bp 9 x [1,M,32] axis 0", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("concat_bp").addInputs(cin0)
                .addOutputs(gtaps0).addIntegerArguments(0).build()));
        INDArray bx = Nd4j.rand(f, 9, n * 49, 32), bw = Nd4j.rand(f, 9, 32, 64), bo = Nd4j.create(f, 9, n * 49, 64);
        time("batched matmul [9,M,32]x[9,32,64]", 2.0 * 9 * n * 49 * 32 * 64, reps, () -> Nd4j.exec(DynamicCustomOp.builder("matmul")
                .addInputs(bx, bw).addOutputs(bo).build()));
        INDArray so = Nd4j.create(f, n * 49, 64);
        time("reduce_sum [9,M,64] axis 0", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("reduce_sum")
                .addInputs(bo).addOutputs(so).addIntegerArguments(0).build()));
        INDArray wt = Nd4j.rand(f, 64, 288), ic = Nd4j.rand(f, n, 288, 49), io = Nd4j.create(f, n, 64, 49);
        try {
            time("matmul broadcast [64,288] x [n,288,49]", 2.0 * n * 49 * 288 * 64, reps, () -> Nd4j.exec(DynamicCustomOp.builder("matmul")
                    .addInputs(wt, ic).addOutputs(io).build()));
        } catch (RuntimeException ex) {
            System.out.println("  matmul broadcast: " + ex.getMessage());
        }
        INDArray big = Nd4j.rand(f, n, 16, 16, 32), big2 = Nd4j.rand(f, n, 16, 16, 32), bigo = Nd4j.create(f, n, 16, 16, 32);
        time("add [n,16,16,32]", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("add").addInputs(big, big2).addOutputs(bigo).build()));
    }

    /** xw_plus_b against matmul + bias add at the conv layers' gemm shapes; scalar ops against relu. */
    static void dense(int n, int reps) {
        DataType f = DataType.FLOAT;
        int[][] shapes = {{n * 64, 256, 128}, {n * 49, 288, 64}, {n * 196, 9, 32}, {n * 225, 128, 4}};
        for (int[] sh : shapes) {
            INDArray a = Nd4j.rand(f, sh[0], sh[1]), w = Nd4j.rand(f, sh[1], sh[2]), b = Nd4j.rand(f, sh[2]);
            INDArray o = Nd4j.create(f, sh[0], sh[2]);
            double fl = 2.0 * sh[0] * sh[1] * sh[2];
            String s = "[" + sh[0] + "," + sh[1] + "]x[" + sh[1] + "," + sh[2] + "]";
            time("xw_plus_b " + s, fl, reps, () -> Nd4j.exec(DynamicCustomOp.builder("xw_plus_b").addInputs(a, w, b)
                    .addOutputs(o).build()));
            time("matmul " + s, fl, reps, () -> Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(a, w)
                    .addOutputs(o).build()));
            time("  + biasadd", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("biasadd").addInputs(o, b)
                    .addOutputs(o).addBooleanArguments(false).build()));
            time("  + add (broadcast row)", 0, reps, () -> Nd4j.exec(DynamicCustomOp.builder("add").addInputs(o, b)
                    .addOutputs(o).build()));
            time("gemm " + s, fl, reps, () -> Nd4j.gemm(a, w, o, false, false, 1.0, 0.0));
        }
        {
            org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
            org.nd4j.autodiff.samediff.SDVariable in = sd.placeHolder("in", f, -1, 256);
            sd.nn.linear("out", in, sd.var("w", Nd4j.rand(f, 256, 128)), sd.var("b", Nd4j.rand(f, 128)));
            INDArray a = Nd4j.rand(f, n * 64, 256);
            time("SameDiff output(): linear [" + n * 64 + ",256]x[256,128]", 2.0 * n * 64 * 256 * 128, reps,
                    () -> sd.output(java.util.Map.of("in", a), "out"));
            INDArray[] many = new INDArray[20];
            for (int i = 0; i < many.length; i++) {
                many[i] = Nd4j.rand(f, n * 64, 256);
            }
            INDArray w = Nd4j.rand(f, 256, 128), b = Nd4j.rand(f, 128);
            INDArray[] outs = new INDArray[20];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = Nd4j.create(f, n * 64, 128);
            }
            int[] k = {0};
            time("xw_plus_b rotating over 20 input/output buffers (cold caches)", 2.0 * n * 64 * 256 * 128, reps, () -> {
                int i = k[0]++ % 20;
                Nd4j.exec(DynamicCustomOp.builder("xw_plus_b").addInputs(many[i], w, b).addOutputs(outs[i]).build());
            });
        }
        INDArray x = Nd4j.rand(f, n, 7, 7, 64).subi(0.5), y = Nd4j.create(f, n, 7, 7, 64);
        time("step [n,7,7,64]", 0, reps, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.Step(x, y, 0.0)));
        time("relu [n,7,7,64]", 0, reps, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, y, 0.0)));
        time("sign [n,7,7,64]", 0, reps, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.same.Sign(x, y)));
        time("gt 0 (scalar greater, bool)", 0, reps, () -> x.gt(0.0));
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        DataType f = DataType.FLOAT;
        Nd4j.getRandom().setSeed(1);
        if (args.length > 2 && args[2].equals("dense")) {
            dense(n, reps);
            System.exit(0);
        }
        if (args.length > 2) {
            prims(n, reps);
            System.exit(0);
        }
        // conv1: [n,32,14,14] -> [n,64,7,7], k3 s2 p1
        {
            double fl = 2.0 * n * 64 * 49 * 32 * 9;
            INDArray x = Nd4j.rand(f, n, 32, 14, 14), w = Nd4j.rand(f, 3, 3, 32, 64), b = Nd4j.rand(f, 64);
            INDArray y = Nd4j.create(f, n, 64, 7, 7), gy = Nd4j.rand(f, n, 64, 7, 7);
            INDArray gx = Nd4j.create(f, n, 32, 14, 14), gw = Nd4j.create(f, 3, 3, 32, 64), gb = Nd4j.create(f, 64);
            time("conv2d NCHW [n,32,14,14]->[n,64,7,7]", fl, reps,
                    () -> Nd4j.exec(op("conv2d", new INDArray[]{x, w, b}, new INDArray[]{y}, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0)));
            time("conv2d_bp NCHW", 2 * fl, reps, () -> Nd4j.exec(op("conv2d_bp", new INDArray[]{x, w, b, gy},
                    new INDArray[]{gx, gw, gb}, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0)));
            INDArray xh = Nd4j.rand(f, n, 14, 14, 32), yh = Nd4j.create(f, n, 7, 7, 64), gyh = Nd4j.rand(f, n, 7, 7, 64);
            INDArray gxh = Nd4j.create(f, n, 14, 14, 32);
            time("conv2d NHWC", fl, reps,
                    () -> Nd4j.exec(op("conv2d", new INDArray[]{xh, w, b}, new INDArray[]{yh}, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1)));
            time("conv2d_bp NHWC", 2 * fl, reps, () -> Nd4j.exec(op("conv2d_bp", new INDArray[]{xh, w, b, gyh},
                    new INDArray[]{gxh, gw, gb}, 3, 3, 2, 2, 1, 1, 1, 1, 0, 1)));
            INDArray a = Nd4j.rand(f, n * 49, 288), bm = Nd4j.rand(f, 288, 64), c = Nd4j.create(f, n * 49, 64);
            time("gemm [n*49,288]x[288,64] (same FLOPs)", fl, reps, () -> Nd4j.gemm(a, bm, c, false, false, 1.0, 0.0));
        }
        // deconv0: [n,64,7,7] -> [n,32,14,14], k4 s2 p1; weights [kH,kW,oC,iC]
        {
            double fl = 2.0 * n * 49 * 64 * 32 * 16;
            INDArray x = Nd4j.rand(f, n, 64, 7, 7), w = Nd4j.rand(f, 4, 4, 32, 64), b = Nd4j.rand(f, 32);
            INDArray y = Nd4j.create(f, n, 32, 14, 14), gy = Nd4j.rand(f, n, 32, 14, 14);
            INDArray gx = Nd4j.create(f, n, 64, 7, 7), gw = Nd4j.create(f, 4, 4, 32, 64), gb = Nd4j.create(f, 32);
            time("deconv2d NCHW [n,64,7,7]->[n,32,14,14]", fl, reps,
                    () -> Nd4j.exec(op("deconv2d", new INDArray[]{x, w, b}, new INDArray[]{y}, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0)));
            time("deconv2d_bp NCHW", 2 * fl, reps, () -> Nd4j.exec(op("deconv2d_bp", new INDArray[]{x, w, b, gy},
                    new INDArray[]{gx, gw, gb}, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0)));
            INDArray xh = Nd4j.rand(f, n, 7, 7, 64), yh = Nd4j.create(f, n, 14, 14, 32), gyh = Nd4j.rand(f, n, 14, 14, 32);
            INDArray gxh = Nd4j.create(f, n, 7, 7, 64);
            time("deconv2d NHWC", fl, reps,
                    () -> Nd4j.exec(op("deconv2d", new INDArray[]{xh, w, b}, new INDArray[]{yh}, 4, 4, 2, 2, 1, 1, 1, 1, 0, 1)));
            time("deconv2d_bp NHWC", 2 * fl, reps, () -> Nd4j.exec(op("deconv2d_bp", new INDArray[]{xh, w, b, gyh},
                    new INDArray[]{gxh, gw, gb}, 4, 4, 2, 2, 1, 1, 1, 1, 0, 1)));
            INDArray a = Nd4j.rand(f, n * 49, 64), bm = Nd4j.rand(f, 64, 512), c = Nd4j.create(f, n * 49, 512);
            time("gemm [n*49,64]x[64,512] (same FLOPs)", fl, reps, () -> Nd4j.gemm(a, bm, c, false, false, 1.0, 0.0));
            INDArray cols = Nd4j.rand(f, n, 32, 4, 4, 7, 7);
            time("col2im [n,32,4,4,7,7]->[n,32,14,14]", 0, reps, () -> Nd4j.exec(op("col2im", new INDArray[]{cols},
                    new INDArray[]{y}, 2, 2, 1, 1, 14, 14, 1, 1)));
            INDArray im = Nd4j.rand(f, n, 32, 14, 14), cols2 = Nd4j.create(f, n, 32, 4, 4, 7, 7);
            time("im2col [n,32,14,14]->[n,32,4,4,7,7]", 0, reps, () -> Nd4j.exec(op("im2col", new INDArray[]{im},
                    new INDArray[]{cols2}, 4, 4, 2, 2, 1, 1, 1, 1, 0)));
        }
        Runtime.getRuntime().halt(0);
    }
}
