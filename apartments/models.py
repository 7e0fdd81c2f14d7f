# Models arrive with this app's feature issue (see `issues`); the app exists so the layout
# and INSTALLED_APPS are stable from the first migration on.
