/**
 * The LTI convolution y = K̄ * x (src/math.md#kernel) on the active tfjs backend, two ways, to set
 * beside the fused scan: directly, as the flipped kernel sliding over the zero-padded input, and
 * through the FFT. Both take x and K̄ of shape (length) and return y of shape (length):
 *   y_k = Σ_{j=0..k} K̄_j x_{k−j}.
 */
import * as tf from "@tensorflow/tfjs-core";
import { nextPowerOfTwo } from "../fft.js";

/**
 * tf.conv1d computes a cross-correlation, out_k = Σ_i w_i · in_{k+i}; with in = (L−1 zeros, x) and
 * w = K̄ reversed this is Σ_j K̄_j x_{k−j}, the flipped kernel sliding over the input.
 */
export function causalConvolveDirectTf(x: tf.Tensor1D, kernel: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const length = x.shape[0];
    const padded = tf.reshape(tf.pad(x, [[length - 1, 0]]), [1, 2 * length - 1, 1]) as tf.Tensor3D;
    const flipped = tf.reshape(tf.reverse(tf.slice(kernel, 0, length)), [length, 1, 1]) as tf.Tensor3D;
    return tf.reshape(tf.conv1d(padded, flipped, 1, "valid"), [length]) as tf.Tensor1D;
  });
}

/**
 * Pads x and K̄ with zeros to n ≥ 2L (a power of two) so the circular convolution of the DFT has no
 * wrap-around, multiplies the spectra and keeps the first L values of the inverse transform.
 */
export function causalConvolveFFTTf(x: tf.Tensor1D, kernel: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const length = x.shape[0];
    const size = nextPowerOfTwo(2 * Math.max(length, 1));
    const xSpectrum = tf.spectral.rfft(tf.pad(x, [[0, size - length]]));
    const kSpectrum = tf.spectral.rfft(tf.pad(tf.slice(kernel, 0, length), [[0, size - length]]));
    const [xRe, xIm, kRe, kIm] = [tf.real(xSpectrum), tf.imag(xSpectrum), tf.real(kSpectrum), tf.imag(kSpectrum)];
    const product = tf.complex(tf.sub(tf.mul(xRe, kRe), tf.mul(xIm, kIm)), tf.add(tf.mul(xRe, kIm), tf.mul(xIm, kRe)));
    return tf.slice(tf.reshape(tf.spectral.irfft(product), [size]), 0, length) as tf.Tensor1D;
  });
}
