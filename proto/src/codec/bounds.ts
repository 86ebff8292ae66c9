// The physical bounds a DeviceBatch's values must respect. One place, shared by the full validation
// (validate.ts) and the gateway's one-pass scan (batch-scan.ts), so the two can never disagree.

/** Characters of device_id and boot_id. */
export const ID_RE = /^[A-Za-z0-9._:-]+$/;
export const LAT_MAX = 90e7;
export const LON_MAX = 180e7;
export const SPEED_MAX_CMS = 20_000; // 720 km/h: beyond any road vehicle, catches unit bugs
export const HEADING_MAX_CDEG = 35_999;
export const HDOP_MAX_C = 100_000;
export const ACCEL_MAX_MG = 200_000; // 200 g: crash sensors saturate well below
export const ALT_MIN_DM = -50_000;
export const ALT_MAX_DM = 200_000;
export const RATE_MAX_HZ = 10_000;
export const GYRO_MAX_MDPS = 10_000_000; // 10,000 deg/s: phone gyroscopes saturate at 2,000-4,000
export const PHONE_STATE_MAX = 7; // highest fleetwire.v1.PhoneState
