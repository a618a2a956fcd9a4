// Kubernetes resource quantities ("128Mi", "1.5Gi", "500m", "2") to numbers.
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match =
    /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(
      value.trim(),
    );
  if (!match) return undefined;
  const [, number, exponent, suffix = ''] = match;
  const base = Number(number) * (exponent ? 10 ** Number(exponent) : 1);
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}
