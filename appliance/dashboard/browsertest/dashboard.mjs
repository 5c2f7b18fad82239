// Drives the Cairn dashboard in Debian's headless chromium, as a person
// would: set the device password, log out, log in, wait for real data on
// the status page, take screenshots. It prints one JSON object with what
// the page showed; the Go test (appliance/dashboard TestBrowser) judges it.
//
// Environment: CAIRN_URL (the node's API URL), CAIRN_PASSWORD,
// CAIRN_SCREENSHOT (PNG path; a -mobile.png twin is written beside it),
// CHROMIUM (the browser binary; default /usr/bin/chromium).
import puppeteer from 'puppeteer-core';

const url = process.env.CAIRN_URL;
const password = process.env.CAIRN_PASSWORD;
const shot = process.env.CAIRN_SCREENSHOT;
const TIMEOUT = 60000; // per step: CI runs every package at once on 2 cores

const out = { steps: [], console_errors: [] };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // The refused login and the polls cut by the logout answer 401 on
  // purpose; every other console error (a CSP violation, a script error)
  // is reported.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 401')) out.console_errors.push(m.text());
  });
  page.on('pageerror', (e) => out.console_errors.push(String(e)));
  await page.setViewport({ width: 1280, height: 1000 });

  const visible = (sel) => page.waitForSelector(sel, { visible: true });

  await page.goto(url + '/', { waitUntil: 'load' });
  await visible('#view-setup');
  out.steps.push('setup form');
  await page.type('#setup-password', password);
  await page.type('#setup-password2', password);
  await page.click('#setup-form button[type=submit]');
  await visible('#view-main');
  out.steps.push('logged in after setup');

  await page.click('#logout');
  await visible('#view-login');
  out.steps.push('logged out');
  await page.type('#login-password', 'not the password');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('wrong password'));
  out.steps.push('wrong password refused');
  await page.$eval('#login-password', (e) => { e.value = ''; });
  await page.type('#login-password', password);
  await page.click('#login-form button[type=submit]');
  await visible('#view-main');
  out.steps.push('logged in');

  // Real data: the status and the logs have arrived.
  await page.waitForFunction(() => {
    const raw = (id) => document.getElementById(id).dataset.raw;
    return raw('node-version') && Number(raw('node-uptime')) > 0 && raw('storage-dataset-bytes') !== undefined &&
      document.querySelectorAll('#accel-list li').length > 0 && document.querySelectorAll('#logs div').length > 0 &&
      !document.getElementById('farm-card').hidden && document.getElementById('farm-fields').textContent.includes('worker ');
  });
  out.steps.push('status shown');

  Object.assign(out, await page.evaluate(() => {
    const el = (id) => document.getElementById(id);
    const raw = (id) => Number(el(id).dataset.raw);
    return {
      version: el('node-version').dataset.raw,
      version_text: el('node-version').textContent,
      node_uptime_s: raw('node-uptime'),
      system_uptime_s: raw('sys-uptime'),
      datasets: raw('storage-datasets'),
      dataset_bytes: raw('storage-dataset-bytes'),
      dataset_bytes_text: el('storage-dataset-bytes').textContent,
      used_bytes: raw('storage-used'),
      memory_text: el('sys-mem').textContent,
      disk_text: el('sys-disk').textContent,
      accel: [...document.querySelectorAll('#accel-list li')].map((li) => ({
        name: li.dataset.backend, available: li.querySelector('.tag').classList.contains('ok'),
      })),
      log_lines: document.querySelectorAll('#logs div').length,
      reboot_disabled: el('act-reboot').disabled,
      action_reason: el('act-reason').textContent,
      alarm_hidden: el('alarm').hidden,
      farm_hidden: el('farm-card').hidden,
      farm_text: el('farm-fields').textContent,
      storage_proofs_text: el('proofs-storage').textContent,
    };
  }));

  await page.screenshot({ path: shot, fullPage: true });
  await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
  await new Promise((r) => setTimeout(r, 300));
  out.mobile_overflow_px = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: shot.replace(/\.png$/, '-mobile.png'), fullPage: false });
  out.steps.push('screenshots');
  out.ok = true;
} catch (e) {
  out.ok = false;
  out.error = String(e && e.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
