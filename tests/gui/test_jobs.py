"""Jobs sent to the engine worker never show the Hugging Face token."""

from gui.jobs import LoadModelJob, ModelChoice

TOKEN = "hf_abcdefghijklmnopqrstuvwxyz123456"


def test_the_token_is_in_no_repr_str_or_format_of_a_model_choice():
    choice = ModelChoice("black-forest-labs/FLUX.1-dev", hf_token=TOKEN)
    job = LoadModelJob(1, choice)
    for text in (repr(choice), str(choice), f"{choice}", repr(job), str([job])):
        assert TOKEN not in text and "hf_abc" not in text
    assert choice.hf_token == TOKEN  # kept in memory for the download
    assert choice == ModelChoice("black-forest-labs/FLUX.1-dev")  # a new token alone does not reload the model
