-- Spearman-like rank correlation (Pearson on ranks) of every numeric feature with the target,
-- strongest first: where to look before modelling.
{%- set numeric_features = [
    'marketing_contacts_6m_avg', 'marketing_contacts_current_month', 'tenure_days',
    'promo_purchase_share', 'categories_per_visit', 'unpaid_items_quarter', 'service_errors',
    'pages_per_visit', 'revenue_month_before_previous', 'revenue_previous_month',
    'revenue_current_month', 'minutes_previous_month', 'minutes_current_month',
    'revenue_change_ratio', 'minutes_change', 'profit',
] %}

with

features as (
    select * from {{ ref('customer_features') }}
),

ranked as (
    select
        {%- for feature in numeric_features %}
        rank() over (order by {{ feature }}) as {{ feature }}_rank,
        {%- endfor %}
        rank() over (order by activity_declined) as target_rank
    from features
),

correlations as (
    {%- for feature in numeric_features %}
    select
        '{{ feature }}' as feature,
        round(corr({{ feature }}_rank, target_rank), 3) as rank_correlation
    from ranked
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from correlations
order by abs(rank_correlation) desc
