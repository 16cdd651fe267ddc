package org.inceptionspark.driver.data;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;

/** reference.conf with a command's -Dkey=value overrides on top (the data commands need only this much). */
public final class DataConfig {
    private DataConfig() {
    }

    public static Config load(Map<String, String> overrides) {
        return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load()).resolve().getConfig("inception");
    }
}
