"""Package layout: the core lives in src/alsmotion; the top-level acquisition/ and gui/ folders
install as alsmotion.acquisition and alsmotion.gui (editable installs included)."""

from setuptools import find_packages, setup

EXTRA_ROOTS = ("acquisition", "gui")

# alsmotion.data holds data files only (no __init__.py): listed so its files install as package data.
packages = [*find_packages("src"), "alsmotion.data"]
package_dir = {"alsmotion": "src/alsmotion"}
for root in EXTRA_ROOTS:
    for name in find_packages(".", include=[root, f"{root}.*"]):
        packages.append(f"alsmotion.{name}")
        package_dir[f"alsmotion.{name}"] = name.replace(".", "/")

setup(packages=packages, package_dir=package_dir)
