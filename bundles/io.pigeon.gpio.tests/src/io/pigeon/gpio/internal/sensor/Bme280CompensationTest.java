package io.pigeon.gpio.internal.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The compensation against the worked example of the Bosch datasheet (BMP280 datasheet section 3.12, whose
 * temperature and pressure formulas the BME280 shares): trimming values dig_T1..dig_P9, raw adc_T = 519888 and
 * adc_P = 415148 give t_fine = 128422, 25.08 °C and 100653.27 Pa (100653 Pa from the integer formula). Humidity has no worked example in the datasheet, so
 * the 32-bit integer formula is checked against the datasheet's floating-point formula (section 8.1).
 */
class Bme280CompensationTest {

    /** The datasheet's example trimming values; the humidity ones are those of a real BME280. */
    private static final Bme280Compensation EXAMPLE = new Bme280Compensation(27504, 26435, -1000, 36477, -10685,
            3024, 2855, 140, -7, 15500, -14600, 6000, 75, 362, 0, 313, 50, 30);

    @Test
    void temperatureMatchesTheDatasheetExample() {
        int fine = EXAMPLE.fineTemperature(519888);
        assertEquals(128422, fine);
        assertEquals(2508, Bme280Compensation.temperatureCentidegrees(fine));
    }

    @Test
    void pressureMatchesTheDatasheetExample() {
        long q24_8 = EXAMPLE.pressureQ24_8(415148, 128422);
        // The example gives 100653.27 Pa from the floating-point formula and 100653 Pa from the 32-bit one; the
        // 64-bit formula used here lands between them, within its resolution of 1/256 Pa times a few rounding steps.
        assertEquals(100653.27, q24_8 / 256.0, 0.02);
        assertEquals(100653, q24_8 >> 8);
        assertEquals(1006.53, EXAMPLE.compensate(519888, 415148, 30000).hectopascal(), 0.01);
    }

    @Test
    void humidityAgreesWithTheFloatingPointFormula() {
        for (int adcH : new int[] {20000, 26000, 30000, 34000, 40000}) {
            for (int adcT : new int[] {480000, 519888, 560000}) {
                int fine = EXAMPLE.fineTemperature(adcT);
                double integer = EXAMPLE.humidityQ22_10(adcH, fine) / 1024.0;
                assertEquals(floatingPointHumidity(EXAMPLE, adcH, fine), integer, 0.05,
                        "adc_H " + adcH + ", adc_T " + adcT);
            }
        }
    }

    @Test
    void humidityIsClippedTo0And100() {
        int fine = EXAMPLE.fineTemperature(519888);
        assertEquals(0.0, EXAMPLE.humidityQ22_10(0, fine) / 1024.0);
        assertEquals(100.0, EXAMPLE.humidityQ22_10(65535, fine) / 1024.0);
    }

    @Test
    void trimmingParametersAreReadAsTheChipStoresThem() {
        byte[] block1 = new byte[26];
        le(block1, 0, 27504);
        le(block1, 2, 26435);
        le(block1, 4, -1000);
        le(block1, 6, 36477);
        le(block1, 8, -10685);
        le(block1, 10, 3024);
        le(block1, 12, 2855);
        le(block1, 14, 140);
        le(block1, 16, -7);
        le(block1, 18, 15500);
        le(block1, 20, -14600);
        le(block1, 22, 6000);
        block1[25] = 75;
        // dig_H2 = 362, dig_H3 = 0, dig_H4 = 313 = 0x139, dig_H5 = -50 = 0xfce (12-bit), dig_H6 = -30
        byte[] block2 = {(byte) 0x6a, 0x01, 0x00, (byte) 0x13, (byte) 0xe9, (byte) 0xfc, (byte) -30};
        Bme280Compensation c = Bme280Compensation.of(block1, block2);
        assertEquals(new Bme280Compensation(27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600,
                6000, 75, 362, 0, 313, -50, -30), c);
    }

    private static void le(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >> 8);
    }

    private static double floatingPointHumidity(Bme280Compensation c, int adcH, int fine) {
        double h = fine - 76800.0;
        h = (adcH - (c.h4() * 64.0 + c.h5() / 16384.0 * h)) * (c.h2() / 65536.0 * (1.0 + c.h6() / 67108864.0 * h
                * (1.0 + c.h3() / 67108864.0 * h)));
        h = h * (1.0 - c.h1() * h / 524288.0);
        return Math.max(0, Math.min(100, h));
    }
}
