"""Blueprints: thin routes and their forms, one package per area."""
