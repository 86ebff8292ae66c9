// Per-sample constants that depend on a rate or a configured angle: computed again only when the argument
// changes (samples arrive at a steady rate and the configuration rarely changes), so the hot paths do not call
// Math.exp or Math.cos per sample. Same expressions as inline, so results are identical.

/** 1 - exp(-dtMs / tauMs), remembering the last answer: samples arrive at a steady rate, so dt repeats. */
export const smoother = () => {
  let dt = NaN;
  let tau = NaN;
  let v = 0;
  return (dtMs: number, tauMs: number): number => {
    if (dtMs !== dt || tauMs !== tau) {
      dt = dtMs;
      tau = tauMs;
      v = 1 - Math.exp(-dtMs / tauMs);
    }
    return v;
  };
};

/** cos(deg °), remembering the last answer. */
export const cosineOf = () => {
  let d = NaN;
  let v = 1;
  return (deg: number): number => {
    if (deg !== d) {
      d = deg;
      v = Math.cos((deg * Math.PI) / 180);
    }
    return v;
  };
};
