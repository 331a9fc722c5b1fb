package io.pigeon.gpio.internal.sensor;

/**
 * The BME280 datasheet's compensation formulas (Bosch BST-BME280-DS002, section 4.2.3 and appendix 8.1,
 * the 32-bit integer temperature and humidity and 64-bit integer pressure versions), from the trimming parameters
 * read out of registers 0x88..0xA1 and 0xE1..0xE7. Temperature and pressure are the same formulas as the BMP280's.
 */
public record Bme280Compensation(int t1, int t2, int t3, long p1, int p2, int p3, int p4, int p5, int p6, int p7,
        int p8, int p9, int h1, int h2, int h3, int h4, int h5, int h6) {

    /** One compensated measurement. */
    public record Reading(double celsius, double hectopascal, double relativeHumidity) {
    }

    /**
     * Reads the trimming parameters from the two calibration blocks as the chip stores them.
     *
     * @param block1 26 bytes from register 0x88 (dig_T1..dig_P9, then 0xA0 unused and dig_H1 at 0xA1)
     * @param block2 7 bytes from register 0xE1 (dig_H2..dig_H6)
     */
    public static Bme280Compensation of(byte[] block1, byte[] block2) {
        if (block1.length < 26 || block2.length < 7) {
            throw new IllegalArgumentException("calibration blocks must be 26 and 7 bytes");
        }
        return new Bme280Compensation(u16(block1, 0), s16(block1, 2), s16(block1, 4), u16(block1, 6),
                s16(block1, 8), s16(block1, 10), s16(block1, 12), s16(block1, 14), s16(block1, 16), s16(block1, 18),
                s16(block1, 20), s16(block1, 22), block1[25] & 0xff,
                s16(block2, 0), block2[2] & 0xff,
                // dig_H4 is 0xE4[7:0] << 4 | 0xE5[3:0]; dig_H5 is 0xE6[7:0] << 4 | 0xE5[7:4]; both signed 12-bit
                (block2[3] << 4) | (block2[4] & 0x0f), (block2[5] << 4) | ((block2[4] & 0xff) >> 4),
                block2[6]);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int s16(byte[] b, int at) {
        return (short) u16(b, at);
    }

    /** t_fine: the fine temperature the pressure and humidity formulas take. */
    public int fineTemperature(int adcT) {
        int var1 = (((adcT >> 3) - (t1 << 1)) * t2) >> 11;
        int var2 = (((((adcT >> 4) - t1) * ((adcT >> 4) - t1)) >> 12) * t3) >> 14;
        return var1 + var2;
    }

    /** Temperature in 0.01 °C (5123 = 51.23 °C). */
    public static int temperatureCentidegrees(int fine) {
        return (fine * 5 + 128) >> 8;
    }

    /** Pressure in Pa as unsigned Q24.8 (24674867 = 24674867 / 256 = 96386.2 Pa); 0 when dig_P1 is 0. */
    public long pressureQ24_8(int adcP, int fine) {
        long var1 = (long) fine - 128000;
        long var2 = var1 * var1 * p6;
        var2 = var2 + ((var1 * p5) << 17);
        var2 = var2 + ((long) p4 << 35);
        var1 = ((var1 * var1 * p3) >> 8) + ((var1 * p2) << 12);
        var1 = (((1L << 47) + var1) * p1) >> 33;
        if (var1 == 0) {
            return 0; // avoids a division by zero
        }
        long p = 1048576 - adcP;
        p = (((p << 31) - var2) * 3125) / var1;
        var1 = ((long) p9 * (p >> 13) * (p >> 13)) >> 25;
        var2 = ((long) p8 * p) >> 19;
        return ((p + var1 + var2) >> 8) + ((long) p7 << 4);
    }

    /** Relative humidity in %RH as unsigned Q22.10 (47445 = 47445 / 1024 = 46.333 %RH). */
    public int humidityQ22_10(int adcH, int fine) {
        int v = fine - 76800;
        v = ((((adcH << 14) - (h4 << 20) - (h5 * v)) + 16384) >> 15)
                * (((((((v * h6) >> 10) * (((v * h3) >> 11) + 32768)) >> 10) + 2097152) * h2 + 8192) >> 14);
        v = v - (((((v >> 15) * (v >> 15)) >> 7) * h1) >> 4);
        v = Math.max(v, 0);
        v = Math.min(v, 419430400);
        return v >> 12;
    }

    /** Compensates one raw measurement (20-bit temperature and pressure, 16-bit humidity). */
    public Reading compensate(int adcT, int adcP, int adcH) {
        int fine = fineTemperature(adcT);
        return new Reading(temperatureCentidegrees(fine) / 100.0, pressureQ24_8(adcP, fine) / 256.0 / 100.0,
                humidityQ22_10(adcH, fine) / 1024.0);
    }
}
