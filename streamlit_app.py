"""Entry point of the Streamlit app (minimal until the app issue lands)."""

import streamlit as st

st.set_page_config(page_title="Spot the difference studio", page_icon="🔍", layout="wide")
st.title("Spot the difference studio")
st.write("The app pages are being built; use `python -m spotdiff_core generate` meanwhile.")
