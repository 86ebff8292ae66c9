// Installed in the page before the app runs (playwright addInitScript): a synthetic drive fed through the
// same browser APIs a phone has. navigator.geolocation is replaced by one that the drive calls back at
// 1 Hz (speed, heading, accuracy, altitude as a phone reports them); the accelerometer arrives as real
// DeviceMotionEvent objects dispatched on window at `motionHz` (phones: 60 Hz), accelerationIncludingGravity
// in m/s². Everything fed is logged on window.__fake.log for the test to compare with what reached the
// gateway. __fake.setHidden(true/false) switches document.visibilityState (the app going to the background).
(() => {
  const G = 9.80665;
  const watchers = new Map();
  let nextWatch = 1;
  const geolocation = {
    watchPosition(ok) {
      const id = nextWatch++;
      watchers.set(id, ok);
      return id;
    },
    clearWatch(id) {
      watchers.delete(id);
    },
    getCurrentPosition(ok, err) {
      if (err) err({ code: 2, message: 'no fix yet' });
    },
  };
  Object.defineProperty(Navigator.prototype, 'geolocation', { configurable: true, get: () => geolocation });
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });

  // Deterministic noise (xorshift32), about 0.08 m/s² like a phone accelerometer in a moving car.
  let seed = 0x2545f491;
  const noise = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 4294967296 - 0.5) * 0.28;
  };
  const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;

  const log = { gps: [], accel: [] };
  window.__fake = {
    log,
    setHidden(h) {
      hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    },
    /** Drives for `seconds`: speeds up at 2 m/s², cruises through a left bend, brakes at 4 m/s² at the end. */
    drive(seconds, motionHz = 60) {
      return new Promise((resolve) => {
        const start = performance.now();
        const wall0 = Date.now();
        const periodMs = 1000 / motionHz;
        let nextMotion = start;
        let nextGps = wall0;
        let lat = 48.137;
        let lon = 11.575;
        let heading = 90;
        let v = 0;
        let lastT = start;
        const accelAt = (s) => (s < 6 ? 2 : s > seconds - 3 ? -4 : 0);
        const yawRateAt = (s) => (s > 6 && s < 9 ? 10 : 0); // deg/s
        const timer = setInterval(() => {
          const now = performance.now();
          const s = (now - start) / 1000;
          const dt = (now - lastT) / 1000;
          lastT = now;
          v = Math.max(0, v + accelAt(s) * dt);
          heading = (heading - yawRateAt(s) * dt + 360) % 360;
          const rad = (heading * Math.PI) / 180;
          lat += (v * Math.cos(rad) * dt) / 111_320;
          lon += (v * Math.sin(rad) * dt) / (111_320 * Math.cos((lat * Math.PI) / 180));
          while (nextMotion <= now) {
            nextMotion += periodMs;
            // Phone flat, top towards the front: y forward, x right, z up (gravity included).
            const lateral = (v * yawRateAt(s) * Math.PI) / 180;
            const a = { x: round(lateral + noise(), 3), y: round(accelAt(s) + noise(), 3), z: round(G + noise(), 3) };
            const e = new DeviceMotionEvent('devicemotion', { accelerationIncludingGravity: a, acceleration: null, interval: periodMs });
            window.dispatchEvent(e);
            log.accel.push({ ts: e.timeStamp, x: a.x, y: a.y, z: a.z });
          }
          const wall = Date.now();
          if (wall >= nextGps) {
            nextGps += 1000;
            const p = {
              timestamp: wall,
              coords: {
                latitude: round(lat, 7),
                longitude: round(lon, 7),
                speed: round(v, 2),
                heading: v > 0.5 ? round(heading, 1) : null,
                accuracy: 6,
                altitude: 520,
                altitudeAccuracy: 10,
              },
            };
            for (const ok of watchers.values()) ok(p);
            log.gps.push({ t: p.timestamp, lat: p.coords.latitude, lon: p.coords.longitude, speed: p.coords.speed });
          }
          if (s >= seconds) {
            clearInterval(timer);
            resolve({ motion: log.accel.length, gps: log.gps.length });
          }
        }, 4);
      });
    },
  };
})();
