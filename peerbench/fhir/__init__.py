"""FHIR R4: instruments as ``Questionnaire``s, outcomes as ``QuestionnaireResponse``s.

Light on import: the FHIR model library (``fhir.resources``) is loaded by the functions
that validate, so ``peerbench --help`` and other commands never pay for it.

Example:
    >>> from peerbench.fhir.questionnaire import questionnaire  # doctest: +SKIP
    >>> questionnaire(default_registry().get("PHQ9"))["code"][0]["code"]  # doctest: +SKIP
    '44249-1'
"""
