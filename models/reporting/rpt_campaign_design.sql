-- This month's campaign and what its control group can detect: the customers of each arm
-- (marketing.campaign_assignment, var holdout_share), the decline rate the scores expect among
-- them, and the minimal detectable effect on the decline rate (80 % power, 5 % two-sided) when
-- its outcome arrives. No row when the contact list is empty.
with

assignment as (
    select * from {{ ref('campaign_assignment') }}
),

arms as (
    select
        month,
        count(*) filter (where arm = 'contacted') as contacted_customers,
        count(*) filter (where arm = 'control') as control_customers,
        avg(decline_probability) as expected_decline_rate
    from assignment
    group by month
),

design as (
    select
        month,
        contacted_customers,
        control_customers,
        cast({{ var('holdout_share') }} as double) as holdout_share,
        round(expected_decline_rate, 4) as expected_decline_rate,
        round({{ minimal_detectable_effect(
            'expected_decline_rate * (1 - expected_decline_rate)',
            'contacted_customers', 'control_customers'
        ) }}, 4) as minimal_detectable_effect
    from arms
)

select * from design
