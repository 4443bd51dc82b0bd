{#- A row-level invariant: returns every row where the boolean expression is
    false (a null result passes, so a rate that is null for want of a
    denominator is not a failure). Used for ranges (a rate within 0-1, a
    duration >= 0) and orderings between columns (delivered <= sent). -#}
{% test holds_on_every_row(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
