"""Open each dashboard in headless Chromium, wait until every chart has rendered, and save a PNG.
Runs with Superset's own Python (selenium is one of Superset's dependencies):

    .superset/venv/bin/python bi/superset/screenshot_dashboards.py http://127.0.0.1:8088 out/ \
        sales customer-success revenue executive

Logs in through the login form as SUPERSET_USER (default admin) with SUPERSET_PASSWORD. Prints one
JSON line per dashboard: the PNG path, how many charts rendered, any error Superset showed, any warning
icon in a chart's header (row limit reached, say), and the hosts the page loaded resources from. The
filter bar is collapsed and the window fitted to the dashboard, so the PNG shows the whole dashboard.
Uses Debian's chromium and chromedriver (no driver download: selenium-manager is kept offline).
"""
import json
import os
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run", "--window-size=1600,1400",
                # Loopback only: no name resolves but 127.0.0.1, so nothing the page embeds (Superset's
                # usage pixel, say) leaves the machine.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
LOAD_TIMEOUT = 90
WIDTH = 1600
WARNING_ICONS = ("//div[contains(@class, 'dashboard-component-chart-holder')]"
                 "//*[contains(@aria-label, 'warning') or contains(@class, 'anticon-warning')]")


def browser() -> webdriver.Chrome:
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def login(driver, base_url: str) -> None:
    driver.get(f"{base_url}/login/")
    wait = WebDriverWait(driver, LOAD_TIMEOUT)
    wait.until(EC.presence_of_element_located((By.ID, "username"))).send_keys(os.environ.get("SUPERSET_USER", "admin"))
    driver.find_element(By.ID, "password").send_keys(os.environ["SUPERSET_PASSWORD"])
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "/login" not in d.current_url)


def rendered(driver) -> None:
    wait = WebDriverWait(driver, LOAD_TIMEOUT)
    wait.until(EC.presence_of_element_located((By.CLASS_NAME, "grid-container")))
    wait.until(EC.presence_of_element_located((By.CLASS_NAME, "chart-container")))
    # Same readiness rule as Superset's own report screenshots: no chart still loading.
    wait.until_not(EC.presence_of_all_elements_located((By.CLASS_NAME, "loading")))
    time.sleep(2)                   # chart animations


def shoot(driver, base_url: str, slug: str, out_dir: Path) -> dict:
    driver.set_window_size(WIDTH, 1400)
    driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1&expand_filters=0")
    rendered(driver)
    # Grow the window to the whole dashboard (charts below the fold render too), then wait again.
    bottom = driver.execute_script(
        "return document.querySelector('.grid-container').getBoundingClientRect().bottom + window.scrollY")
    if bottom + 40 > 1400:
        driver.set_window_size(WIDTH, int(bottom) + 180)
        rendered(driver)
    charts = driver.find_elements(By.CLASS_NAME, "chart-container")
    errors = [e.text for e in driver.find_elements(By.XPATH, "//div[@role = 'alert']") if e.text.strip()]
    warnings = len(driver.find_elements(By.XPATH, WARNING_ICONS))
    path = out_dir / f"{slug}.png"
    driver.save_screenshot(str(path))
    requested = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    hosts = sorted({url.split("/")[2] for url in requested if "://" in url})
    return {"slug": slug, "png": str(path), "charts": len(charts), "errors": errors, "warnings": warnings,
            "hosts": hosts}


def main(base_url: str, out_dir: Path, slugs: list[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    driver = browser()
    try:
        login(driver, base_url)
        for slug in slugs:
            print(json.dumps(shoot(driver, base_url, slug, out_dir)), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
