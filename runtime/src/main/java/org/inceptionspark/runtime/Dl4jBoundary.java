package org.inceptionspark.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/**
 * What the oneDNN layers rely on inside DL4J and ND4J, checked once before any is installed:
 * they write the layers' private {@code helper} fields by reflection, override DL4J's oneDNN
 * helpers method by method, and answer DL4J's stale lookup of {@code org.nd4j.nativeblas.Nd4jCpu}.
 * A DL4J of another version could rename any of these, and the failure would surface later,
 * deep in a step or in native code. Where anything differs, the layers stay on DL4J's own path
 * and the reason is logged once.
 */
final class Dl4jBoundary {
    /** The DL4J and ND4J release the runtime was written and tested against. */
    static final String VERSION = "1.0.0-M2.1";

    private Dl4jBoundary() {
    }

    /** Every difference from what the runtime expects; empty when it may install its layers. */
    static List<String> problems() {
        List<String> problems = new ArrayList<>();
        version("org.deeplearning4j", "deeplearning4j-nn", ConvolutionLayer.class, problems);
        version("org.nd4j", "nd4j-api", org.nd4j.linalg.factory.Nd4j.class, problems);
        try {
            field(ConvolutionLayer.class, OneDnnConvolution.class, problems);
            field(SubsamplingLayer.class, OneDnnPooling.class, problems);
            field(BatchNormalization.class, OneDnnBatchNorm.class, problems);
            overrides(OneDnnConvolution.class, problems);
            overrides(OneDnnPooling.class, problems);
            overrides(OneDnnBatchNorm.class, problems);
            overrides(BatchNormBackprop.class, problems);
        } catch (LinkageError e) {
            problems.add("a class the oneDNN layers extend is missing: " + e);
        }
        try {
            Class<?> real = Class.forName(org.nd4j.nativeblas.Nd4jCpu.REAL, false, Dl4jBoundary.class.getClassLoader());
            real.getMethod("getInstance");
            real.getMethod("isUseONEDNN");
        } catch (ReflectiveOperationException | LinkageError e) {
            problems.add("ND4J's " + org.nd4j.nativeblas.Nd4jCpu.REAL + " with getInstance() and isUseONEDNN(),"
                    + " which the Nd4jCpu shim delegates to, is missing (" + e + ")");
        }
        return problems;
    }

    /** The layer's {@code helper} field exists and takes our helper. */
    private static void field(Class<?> layer, Class<?> ourHelper, List<String> problems) {
        try {
            Field f = layer.getDeclaredField("helper");
            if (Modifier.isStatic(f.getModifiers()) || !f.getType().isAssignableFrom(ourHelper)) {
                problems.add(layer.getName() + ".helper is " + f.getType().getName() + ", not a type "
                        + ourHelper.getSimpleName() + " can be assigned to");
            }
        } catch (NoSuchFieldException e) {
            problems.add(layer.getName() + " has no 'helper' field");
        }
    }

    /** Every public method our helper declares overrides one of its DL4J superclass (same name and parameters). */
    private static void overrides(Class<?> ours, List<String> problems) {
        Class<?> theirs = ours.getSuperclass();
        for (Method m : ours.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers())
                    || isOwnInterface(m)) {
                continue;
            }
            try {
                theirs.getMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                problems.add(ours.getSimpleName() + "." + m.getName() + " overrides nothing in "
                        + theirs.getName() + ": DL4J's signature changed");
            }
        }
    }

    /** Methods of the project's own interfaces, which DL4J's classes do not have. */
    private static boolean isOwnInterface(Method m) {
        for (Class<?> i : m.getDeclaringClass().getInterfaces()) {
            try {
                i.getMethod(m.getName(), m.getParameterTypes());
                if (i.getName().startsWith("org.inceptionspark.")) {
                    return true;
                }
            } catch (NoSuchMethodException e) {
                // not this interface's
            }
        }
        return false;
    }

    private static void version(String group, String artifact, Class<?> inJar, List<String> problems) {
        String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        String found = null;
        try (InputStream in = inJar.getResourceAsStream(path)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                found = p.getProperty("version");
            }
        } catch (IOException e) {
            found = null;
        }
        if (found == null) {
            // a shaded jar may drop Maven's metadata: the field and method checks still decide
            return;
        }
        if (!VERSION.equals(found)) {
            problems.add(artifact + " is " + found + ", the oneDNN layers were written for " + VERSION);
        }
    }
}
