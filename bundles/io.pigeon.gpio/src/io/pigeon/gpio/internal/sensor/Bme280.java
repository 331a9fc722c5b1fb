package io.pigeon.gpio.internal.sensor;

import java.io.IOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.pigeon.gpio.I2cDevice;
import io.pigeon.gpio.PinException;

/**
 * A Bosch BME280 on I2C in forced mode: each {@link #read()} starts one measurement (oversampling x1 for all three),
 * waits for it, reads the raw values (registers 0xF7..0xFE) and compensates them with the chip's trimming
 * parameters ({@link Bme280Compensation}).
 */
public final class Bme280 implements SensorReader {

    static final int CHIP_ID = 0x60;
    private static final int REG_ID = 0xD0;
    private static final int REG_CTRL_HUM = 0xF2;
    private static final int REG_STATUS = 0xF3;
    private static final int REG_CTRL_MEAS = 0xF4;
    private static final int REG_DATA = 0xF7;
    private static final int REG_CALIB1 = 0x88;
    private static final int REG_CALIB2 = 0xE1;

    private final I2cDevice device;
    private final Bme280Compensation compensation;

    /**
     * Checks the chip id and reads the trimming parameters.
     *
     * @throws IOException when the device does not answer as a BME280
     */
    public Bme280(I2cDevice device) throws IOException {
        this.device = device;
        int id;
        try {
            id = device.readRegister(REG_ID);
        } catch (PinException e) {
            throw new IOException("no BME280 answers at " + where() + ": " + e.getMessage());
        }
        if (id != CHIP_ID) {
            throw new IOException(String.format(Locale.ROOT, "the device at %s has chip id 0x%02x, not a BME280's"
                    + " 0x60 (a BMP280 is 0x58 and has no humidity)", where(), id));
        }
        byte[] block1 = new byte[26];
        byte[] block2 = new byte[7];
        device.readRegisters(REG_CALIB1, block1);
        device.readRegisters(REG_CALIB2, block2);
        compensation = Bme280Compensation.of(block1, block2);
    }

    private String where() {
        return String.format(Locale.ROOT, "address 0x%02x on I2C bus %d", device.address(), device.bus());
    }

    @Override
    public List<Quantity> quantities() {
        return List.of(Quantity.TEMPERATURE, Quantity.HUMIDITY, Quantity.PRESSURE);
    }

    @Override
    public Map<Quantity, Double> read() throws IOException {
        try {
            device.writeRegister(REG_CTRL_HUM, 0b001);
            device.writeRegister(REG_CTRL_MEAS, 0b001_001_01); // osrs_t x1, osrs_p x1, forced mode
            long deadline = System.nanoTime() + 50_000_000L; // a x1/x1/x1 measurement takes at most 9.3 ms
            while ((device.readRegister(REG_STATUS) & 0b1000) != 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("BME280 at " + where() + ": the measurement did not finish within 50 ms");
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("BME280 at " + where() + ": interrupted while measuring");
                }
            }
            byte[] raw = new byte[8];
            device.readRegisters(REG_DATA, raw);
            int adcP = (raw[0] & 0xff) << 12 | (raw[1] & 0xff) << 4 | (raw[2] & 0xff) >> 4;
            int adcT = (raw[3] & 0xff) << 12 | (raw[4] & 0xff) << 4 | (raw[5] & 0xff) >> 4;
            int adcH = (raw[6] & 0xff) << 8 | (raw[7] & 0xff);
            if (adcT == 0x80000) {
                throw new IOException("BME280 at " + where() + ": temperature was skipped (raw 0x80000)");
            }
            Bme280Compensation.Reading r = compensation.compensate(adcT, adcP, adcH);
            Map<Quantity, Double> values = new EnumMap<>(Quantity.class);
            values.put(Quantity.TEMPERATURE, r.celsius());
            values.put(Quantity.HUMIDITY, r.relativeHumidity());
            values.put(Quantity.PRESSURE, r.hectopascal());
            return values;
        } catch (PinException e) {
            throw new IOException("BME280 at " + where() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
