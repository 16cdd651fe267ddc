package org.inceptionspark.driver.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.inceptionspark.model.ModelZoo;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Opens a DL4J model zip (as {@code ModelSerializer.writeModel} writes it) without Java
 * deserialization. DL4J's own {@code ComputationGraph.load} passes {@code preprocessor.bin} to
 * {@code ObjectInputStream.readObject}, so a crafted zip runs code (gadget chains, or any
 * {@code readObject} on the class path) on the machine that opens it. Here only
 * {@code configuration.json} (DL4J's JSON) and {@code coefficients.bin} (ND4J's binary array format)
 * are read. The engine applies no preprocessor from a model, so the allow-list of serialized
 * classes is empty: a zip that carries {@code preprocessor.bin} is refused, naming the class found
 * in its stream header, which is parsed by hand and never resolved or instantiated.
 * {@code normalizer.bin} and {@code updaterState.bin} are not read.
 */
public final class ModelZip {
    private static final String REMOVE_HINT = "this engine applies no preprocessor from a model zip; "
            + "delete the entry (zip -d FILE " + ModelSerializer.PREPROCESSOR_BIN + ") to evaluate the network alone";

    private ModelZip() {
    }

    /**
     * The network in the zip, its parameters loaded.
     *
     * @param name the file, for messages
     * @throws IllegalArgumentException naming the file (and the class) when the zip holds a
     *         serialized Java object, lacks its configuration or parameters, or they disagree
     */
    public static ComputationGraph read(InputStream zip, String name) throws IOException {
        Map<String, byte[]> entries = entries(zip, name);
        byte[] preprocessor = entries.get(ModelSerializer.PREPROCESSOR_BIN);
        if (preprocessor != null) {
            throw new IllegalArgumentException(name + ": refused " + ModelSerializer.PREPROCESSOR_BIN + ", a serialized "
                    + SerializedClass.describe(preprocessor) + " (Java deserialization of a model file is not allowed; "
                    + REMOVE_HINT + ")");
        }
        byte[] json = entries.get(ModelSerializer.CONFIGURATION_JSON);
        if (json == null) {
            throw new IllegalArgumentException(name + ": not a DL4J model zip (no " + ModelSerializer.CONFIGURATION_JSON + ")");
        }
        byte[] coefficients = entries.get(ModelSerializer.COEFFICIENTS_BIN);
        if (coefficients == null || coefficients.length == 0) {
            throw new IllegalArgumentException(name + ": the model zip has no parameters (" + ModelSerializer.COEFFICIENTS_BIN + ")");
        }
        ComputationGraphConfiguration conf;
        try {
            conf = ComputationGraphConfiguration.fromJson(new String(json, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + ": " + ModelSerializer.CONFIGURATION_JSON
                    + " is not a ComputationGraph configuration: " + e.getMessage(), e);
        }
        INDArray params;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(coefficients))) {
            params = Nd4j.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(name + ": unreadable " + ModelSerializer.COEFFICIENTS_BIN + ": " + e.getMessage(), e);
        }
        conf.setDataType(params.dataType());
        ComputationGraph g;
        try {
            g = ModelZoo.dl4jNetwork(conf, params);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + ": " + ModelSerializer.COEFFICIENTS_BIN + " (" + params.length()
                    + " values) does not fit " + ModelSerializer.CONFIGURATION_JSON + ": " + e.getMessage(), e);
        }
        return g;
    }

    private static Map<String, byte[]> entries(InputStream zip, String name) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(zip)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                String entry = e.getName();
                if (entry.equals(ModelSerializer.CONFIGURATION_JSON) || entry.equals(ModelSerializer.COEFFICIENTS_BIN)
                        || entry.equals(ModelSerializer.PREPROCESSOR_BIN)) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    in.transferTo(bytes);
                    entries.put(entry, bytes.toByteArray());
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(name + ": not a zip file: " + e.getMessage(), e);
        }
        return entries;
    }

    /**
     * The class a Java serialization stream starts with, read from the stream's header alone
     * (Java Object Serialization Specification, section 6.4), so that a refusal can name it
     * without resolving, loading or instantiating anything.
     */
    static final class SerializedClass {
        private static final int MAGIC = 0xACED;
        private static final int TC_NULL = 0x70;
        private static final int TC_CLASSDESC = 0x72;
        private static final int TC_OBJECT = 0x73;
        private static final int TC_STRING = 0x74;
        private static final int TC_ARRAY = 0x75;
        private static final int TC_LONGSTRING = 0x7C;
        private static final int TC_PROXYCLASSDESC = 0x7D;
        private static final int TC_ENUM = 0x7E;

        private SerializedClass() {
        }

        /** "object of class C", "dynamic proxy of I1, I2", or what the bytes are when not that. */
        static String describe(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                if (bytes.length < 5 || in.readUnsignedShort() != MAGIC) {
                    return "stream that is not Java serialization (no 0xACED header)";
                }
                in.readUnsignedShort();
                int tc = in.readUnsignedByte();
                switch (tc) {
                    case TC_OBJECT, TC_ARRAY, TC_ENUM -> {
                        int desc = in.readUnsignedByte();
                        if (desc == TC_CLASSDESC) {
                            return "object of class " + in.readUTF();
                        }
                        if (desc == TC_PROXYCLASSDESC) {
                            int n = in.readInt();
                            List<String> interfaces = new ArrayList<>();
                            for (int i = 0; i < n && i < 16; i++) {
                                interfaces.add(in.readUTF());
                            }
                            return "object of class (dynamic proxy of " + String.join(", ", interfaces) + ")";
                        }
                        return String.format("object of unknown class (descriptor type code 0x%02X)", desc);
                    }
                    case TC_STRING, TC_LONGSTRING -> {
                        return "object of class java.lang.String";
                    }
                    case TC_NULL -> {
                        return "null reference";
                    }
                    default -> {
                        return String.format("object of unknown class (type code 0x%02X)", tc);
                    }
                }
            } catch (IOException e) {
                return "truncated Java serialization stream";
            }
        }
    }
}
