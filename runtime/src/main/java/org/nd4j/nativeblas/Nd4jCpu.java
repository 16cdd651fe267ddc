package org.nd4j.nativeblas;

/**
 * Restores the class name DL4J 1.0.0-M2.1's oneDNN layer helpers still look up.
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled()} loads
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by name and calls {@code getInstance()} and
 * {@code isUseMKLDNN()} on it by reflection. ND4J moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} before M1, so the lookup fails, DL4J logs
 * "Cannot find class [org.nd4j.nativeblas.Nd4jCpu$Environment]" and every convolution, pooling and
 * batch-norm layer silently falls back to its built-in (im2col) path. This class answers that
 * lookup by delegating to the real environment (whose accessor is now {@code isUseONEDNN()}), so the answer is still libnd4j's own flag: true only
 * when the loaded binary was built with oneDNN and oneDNN use has not been switched off.
 *
 * <p>Nothing else in ND4J or DL4J 1.0.0-M2.1 refers to this name (checked against the sources jars),
 * so defining it cannot shadow anything. Remove it when DL4J fixes the lookup upstream.
 */
public final class Nd4jCpu {
    /** Where ND4J 1.0.0-M1 and later keep the class. */
    public static final String REAL = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

    private Nd4jCpu() {
    }

    /** The two methods BaseMKLDNNHelper calls, with the real Environment behind them. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * libnd4j's flag; false when the CPU backend is not on the classpath (the {@code cuda} build,
         * where DL4J never asks). Reflection keeps this file compiling against either backend.
         */
        public boolean isUseMKLDNN() {
            try {
                Class<?> real = Class.forName(REAL, true, Nd4jCpu.class.getClassLoader());
                Object env = real.getMethod("getInstance").invoke(null);
                // libnd4j renamed the flag's accessors along with the class (isUseMKLDNN -> isUseONEDNN).
                return (Boolean) real.getMethod("isUseONEDNN").invoke(env);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
