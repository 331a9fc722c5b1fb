package io.pigeon.gpio.internal.sensor;

/** What a sensor value measures, with Home Assistant's device class and unit for it. */
public enum Quantity {
    TEMPERATURE("temperature", "temperature", "°C"),
    HUMIDITY("humidity", "humidity", "%"),
    PRESSURE("pressure", "pressure", "hPa");

    /** Last topic level when a sensor reports several quantities ({@code .../sensor/weather/humidity}). */
    public final String topicLevel;
    public final String deviceClass;
    public final String unit;

    Quantity(String topicLevel, String deviceClass, String unit) {
        this.topicLevel = topicLevel;
        this.deviceClass = deviceClass;
        this.unit = unit;
    }
}
