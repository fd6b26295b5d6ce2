// Pingram's official Node SDK (npm pingram 1.0.14), unchanged, through a number's whole
// lifecycle on a numbers-mock server:
//   search -> order -> list -> release -> released -> reactivate -> typed errors.
//
// Usage: node lifecycle.mjs BASE_URL TOKEN   (or PINGRAM_BASE_URL and PINGRAM_TOKEN)
// TOKEN is a numbers-mock bearer token (`numbers-mock token --org acme`) of an account that
// owns no number yet. Prints a JSON transcript on stdout; any failed check exits non-zero.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import process from 'node:process';

import { Pingram } from 'pingram';

const SDK_VERSION = '1.0.14';
const E164 = /^\+[1-9]\d{6,14}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const [baseUrl = process.env.PINGRAM_BASE_URL, token = process.env.PINGRAM_TOKEN] =
  process.argv.slice(2);
const steps = [];

/** The SDK's error for an HTTP error status, with the body's envelope. */
async function refusal(promise) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.name, 'ResponseError', `not the SDK's ResponseError: ${error}`);
    const body = await error.response.json();
    assert.equal(typeof body.trackingId, 'string');
    assert.equal(body.trackingId, error.response.headers.get('x-tracking-id'));
    assert.equal(typeof body.error.code, 'string');
    assert.equal(error.message, body.error.message, 'the SDK reports the envelope message');
    return { status: error.response.status, code: body.error.code, message: error.message };
  }
  assert.fail('the SDK call should have been refused');
}

function assertAccountNumber(item, expected) {
  assert.match(item.phoneNumber, E164);
  assert.match(item.createdAt, ISO_INSTANT);
  assert.match(item.nextBillingDate, DAY);
  assert.equal(typeof item.monthlyPrice, 'number');
  assert.ok(['local', 'mobile', 'toll_free', 'national'].includes(item.numberType));
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(item[key], value, key);
  }
}

async function main() {
  assert.ok(baseUrl && token, 'usage: node lifecycle.mjs BASE_URL TOKEN');
  const installed = JSON.parse(
    readFileSync(new URL('./node_modules/pingram/package.json', import.meta.url), 'utf8'),
  );
  assert.equal(installed.version, SDK_VERSION, 'run `npm ci` in tests/sdk/node');
  const client = new Pingram({ apiKey: token, baseUrl });
  const numbers = client.numbers;

  // search: (countryCode, features?, areaCode?, limit?)
  const available = await numbers.searchAvailable('US', 'sms,voice', '415', 5);
  assert.equal(available.numbers.length, 5);
  for (const item of available.numbers) {
    assert.match(item.phoneNumber, /^\+1415\d{7}$/);
    assert.ok(item.features.includes('sms') && item.features.includes('voice'));
    assert.equal(typeof item.monthlyPrice, 'number');
    assert.ok(item.monthlyPrice > 0);
  }
  const chosen = available.numbers[0];
  const phoneNumber = chosen.phoneNumber;
  steps.push({
    step: 'searchAvailable',
    count: available.numbers.length,
    phoneNumber,
    phoneNumberType: chosen.phoneNumberType,
    features: chosen.features,
    monthlyPrice: chosen.monthlyPrice,
  });

  const order = await numbers.orderNumber({ phoneNumber });
  assert.equal(order.phoneNumber, phoneNumber);
  assert.equal(order.status, 'success');
  assert.equal(typeof order.orderId, 'string');
  assert.ok(order.orderId.length > 0);
  steps.push({ step: 'orderNumber', ...order });

  const listed = await numbers.list();
  assert.match(listed.sharedNumber, E164);
  assert.equal(listed.numbers.length, 1);
  const owned = listed.numbers[0];
  assertAccountNumber(owned, {
    phoneNumber,
    countryCode: 'US',
    numberType: chosen.phoneNumberType,
    billingStatus: 'active',
    monthlyPrice: chosen.monthlyPrice,
    releasedAt: undefined,
  });
  assert.ok(['pending', 'testing', 'approved'].includes(owned.a2pStatus));
  steps.push({ step: 'list', sharedNumber: listed.sharedNumber, numbers: listed.numbers });

  const release = await numbers.releaseNumber(phoneNumber); // DELETE /numbers/%2B1...
  assert.equal(release.phoneNumber, phoneNumber);
  assert.equal(release.released, true);
  assert.match(release.releasedAt, ISO_INSTANT);
  assert.deepEqual((await numbers.list()).numbers, []);
  steps.push({ step: 'releaseNumber', ...release });

  const released = await numbers.listReleased();
  assert.equal(released.numbers.length, 1);
  assertAccountNumber(released.numbers[0], {
    phoneNumber,
    billingStatus: 'released',
    releasedAt: release.releasedAt,
    createdAt: owned.createdAt,
  });
  steps.push({ step: 'listReleased', numbers: released.numbers });

  const again = await numbers.orderNumber({ phoneNumber }); // within the 14-day hold
  assert.equal(again.phoneNumber, phoneNumber);
  assert.notEqual(again.orderId, order.orderId);
  const back = (await numbers.list()).numbers;
  assert.equal(back.length, 1);
  assertAccountNumber(back[0], {
    phoneNumber,
    billingStatus: 'active',
    createdAt: owned.createdAt, // reactivating keeps the original createdAt
    releasedAt: undefined,
  });
  assert.deepEqual((await numbers.listReleased()).numbers, []);
  steps.push({ step: 'reactivate', orderId: again.orderId, createdAt: back[0].createdAt });

  const alreadyOwned = await refusal(numbers.orderNumber({ phoneNumber }));
  assert.equal(alreadyOwned.status, 400);
  assert.equal(alreadyOwned.code, 'phone_number_already_owned');
  steps.push({ step: 'orderOwnedNumber', ...alreadyOwned });

  const notFound = await refusal(numbers.orderNumber({ phoneNumber: '+19999999999' }));
  assert.equal(notFound.status, 400);
  assert.equal(notFound.code, 'phone_number_not_found');
  steps.push({ step: 'orderUnknownNumber', ...notFound });

  const stranger = new Pingram({ apiKey: 'pingram_sk_not_a_jwt', baseUrl });
  const unauthorized = await refusal(stranger.numbers.list());
  assert.equal(unauthorized.status, 401);
  assert.equal(unauthorized.code, 'invalid_token');
  steps.push({ step: 'badToken', ...unauthorized });

  return { sdk: `pingram@${installed.version}`, node: process.version, phoneNumber, steps };
}

try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  console.error(JSON.stringify({ failedAfter: steps.map((s) => s.step), error: String(error) }));
  console.error(error);
  process.exitCode = 1;
}
