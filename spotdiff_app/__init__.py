"""App-side helpers of the Streamlit app: translations, session state, the cached pipeline, game rules, display."""
